// The ECharts build Folio serves from public/echarts/: only the parts the dashboard
// draws with (line and pie charts, grid, tooltip, legend, data zoom, canvas
// renderer), so the browser downloads a fraction of the full library. Bundled by
// scripts/bootstrap.sh with esbuild into one minified script that sets
// `window.echarts`, which charming's WASM renderer calls.
import * as echarts from 'echarts/core';
import { LineChart, PieChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendPlainComponent, DataZoomSliderComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, PieChart, GridComponent, TooltipComponent, LegendPlainComponent, DataZoomSliderComponent, CanvasRenderer]);
window.echarts = echarts;
