//! Every shape in the OpenAPI document written once. utoipa 5 copies a generic
//! argument's whole schema into the generic type (`Envelope<OverviewData>` carries
//! a copy of `OverviewData` as its `data`), so without this pass each answer's
//! shape would be spelled out twice, the named component would look unused, and a
//! client generator would make two types of one. Run last over the built document,
//! it puts a `$ref` wherever a schema is exactly one named component.

use serde_json::Value;
use utoipa::Modify;
use utoipa::openapi::OpenApi;

pub struct ShareSchemas;

impl Modify for ShareSchemas {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut doc = serde_json::to_value(&*openapi).expect("the OpenAPI document is JSON");
        let components: Vec<(String, Value)> = doc["components"]["schemas"]
            .as_object()
            .map(|schemas| schemas.iter().map(|(name, schema)| (name.clone(), schema.clone())).collect())
            .unwrap_or_default();
        if let Some(paths) = doc.get_mut("paths") {
            share(paths, &components);
        }
        if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
            // A component is not a reference to itself: only what is inside it.
            for schema in schemas.values_mut() {
                share_inside(schema, &components);
            }
        }
        *openapi = serde_json::from_value(doc).expect("the shared document is still an OpenAPI document");
    }
}

/// The one component a schema is equal to; none when two components are alike,
/// since choosing between them would be a guess.
fn component_of<'c>(schema: &Value, components: &'c [(String, Value)]) -> Option<&'c str> {
    let mut equal = components.iter().filter(|(_, component)| component == schema);
    let (name, _) = equal.next()?;
    equal.next().is_none().then_some(name.as_str())
}

fn share(value: &mut Value, components: &[(String, Value)]) {
    if value.is_object()
        && let Some(name) = component_of(value, components)
    {
        *value = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
        return;
    }
    share_inside(value, components);
}

fn share_inside(value: &mut Value, components: &[(String, Value)]) {
    match value {
        Value::Object(map) => map.values_mut().for_each(|child| share(child, components)),
        Value::Array(items) => items.iter_mut().for_each(|child| share(child, components)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn components() -> Vec<(String, Value)> {
        vec![
            ("Point".into(), json!({"type": "object", "properties": {"x": {"type": "number"}}})),
            ("Twin".into(), json!({"type": "string", "enum": ["a"]})),
            ("Other".into(), json!({"type": "string", "enum": ["a"]})),
        ]
    }

    #[test]
    fn a_copy_of_a_component_becomes_a_reference_wherever_it_is() {
        let mut envelope = json!({"properties": {"data": {"type": "array",
            "items": {"type": "object", "properties": {"x": {"type": "number"}}}}}});
        share(&mut envelope, &components());
        assert_eq!(envelope["properties"]["data"]["items"], json!({"$ref": "#/components/schemas/Point"}));
    }

    #[test]
    fn a_shape_two_components_share_stays_inline() {
        let mut schema = json!({"oneOf": [{"type": "null"}, {"type": "string", "enum": ["a"]}]});
        let before = schema.clone();
        share(&mut schema, &components());
        assert_eq!(schema, before);
    }
}
