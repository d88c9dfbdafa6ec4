// The ECharts build Folio serves from public/echarts/: only the parts the dashboard
// draws with (line and pie charts, grid, tooltip, data zoom, canvas renderer; the
// legends are HTML on the page), so the browser downloads a fraction of the full
// library. Bundled by scripts/bootstrap.sh with esbuild into one minified script
// that sets `window.echarts`, which src/components/chart.rs calls.
import * as echarts from 'echarts/core';
import { LineChart, PieChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, DataZoomSliderComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, PieChart, GridComponent, TooltipComponent, DataZoomSliderComponent, CanvasRenderer]);
window.echarts = echarts;
