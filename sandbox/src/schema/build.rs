//! A generation's schema from SDL: the published subset (`tests/schema/`) with the sandbox's
//! extension (`sandbox.graphql`) merged in, as an async-graphql dynamic schema. Every type,
//! field, argument, input field, enum value, nullability, list shape, description and
//! `@deprecated` is the SDL's. Resolvers:
//!
//! - a root field the sandbox implements: its [`resolvers::root`], answering JSON;
//! - any other root field: null, with the GraphQL error "<field> is not implemented by the
//!   sandbox";
//! - every other field: its key in the parent's JSON (objects → that JSON, lists → lists, leaves
//!   → values, enum leaves as enum values). Arguments of such fields are accepted and ignored.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object,
    ResolverContext, Scalar, Schema, TypeRef,
};
use async_graphql::parser::types::{
    BaseType, ConstDirective, FieldDefinition, InputValueDefinition, Type, TypeDefinition,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, ServerError, Value};
use serde_json::Value as Json;

use super::json::Dialect;
use super::resolvers::{self, Root};
use super::{Ran, Row, SchemaGeneration};
use crate::AppState;

/// The sandbox's additions to every generation.
const EXTENSION: &str = include_str!("sandbox.graphql");

const QUERY: &str = "Query";
const MUTATION: &str = "Mutation";

/// Custom scalars transported as strings: an input value of theirs must be a string.
const STRING_SCALARS: [&str; 3] = ["Date", "DateTime", "URL"];

type Resolver = Box<dyn for<'a> Fn(ResolverContext<'a>) -> FieldFuture<'a> + Send + Sync>;

/// What a field's named type is, for reading it from JSON.
#[derive(Clone, Copy)]
enum Leaf {
    Object,
    Enum,
    Scalar,
}

/// Sets a description from the SDL, if it has one.
macro_rules! described {
    ($item:expr, $description:expr) => {{
        let item = $item;
        match &$description {
            Some(description) => item.description(description.node.clone()),
            None => item,
        }
    }};
}

/// Sets `@deprecated` from the SDL, if it has it.
macro_rules! deprecated {
    ($item:expr, $directives:expr) => {{
        let item = $item;
        match deprecation(&$directives) {
            Some(reason) => item.deprecation(reason.as_deref()),
            None => item,
        }
    }};
}

/// The schema of `generation`, its resolvers working on `state` (none: for its SDL only).
pub(super) fn schema(generation: SchemaGeneration, state: Option<Arc<AppState>>) -> Schema {
    from_sdl(generation.row(), state)
        .unwrap_or_else(|e| panic!("the {generation} schema does not build from its SDL: {e}"))
}

fn from_sdl(row: &'static Row, state: Option<Arc<AppState>>) -> Result<Schema, String> {
    let types = definitions(row.sdl)?;
    let mut leaves = HashMap::new();
    let mut enums = HashMap::new();
    for ty in &types {
        match &ty.kind {
            TypeKind::Object(_) => {
                leaves.insert(ty.name.node.to_string(), Leaf::Object);
            }
            TypeKind::Enum(e) => {
                leaves.insert(ty.name.node.to_string(), Leaf::Enum);
                let values: HashSet<String> = e
                    .values
                    .iter()
                    .map(|v| v.node.value.node.to_string())
                    .collect();
                enums.insert(ty.name.node.to_string(), values);
            }
            _ => {}
        }
    }
    let dialect = Arc::new(Dialect::new(row, enums));
    let has_mutation = types.iter().any(|t| t.name.node == MUTATION);
    let mut builder = Schema::build(QUERY, has_mutation.then_some(MUTATION), None);
    for ty in &types {
        let name = ty.name.node.as_str();
        builder = match &ty.kind {
            TypeKind::Scalar => {
                let mut scalar = Scalar::new(name);
                if STRING_SCALARS.contains(&name) {
                    scalar = scalar.validator(|v| matches!(v, Value::String(_)));
                }
                builder.register(described!(scalar, ty.description))
            }
            TypeKind::Enum(e) => {
                let items = e.values.iter().map(|v| {
                    let item = EnumItem::new(v.node.value.node.as_str());
                    deprecated!(described!(item, v.node.description), v.node.directives)
                });
                builder.register(described!(Enum::new(name).items(items), ty.description))
            }
            TypeKind::InputObject(input) => {
                let object = input
                    .fields
                    .iter()
                    .fold(InputObject::new(name), |o, f| o.field(input_value(&f.node)));
                builder.register(described!(object, ty.description))
            }
            TypeKind::Object(object) => {
                let root = name == QUERY || name == MUTATION;
                let object = object.fields.iter().fold(Object::new(name), |o, f| {
                    o.field(field(&f.node, root, &leaves, &dialect))
                });
                builder.register(described!(object, ty.description))
            }
            TypeKind::Interface(_) | TypeKind::Union(_) => {
                return Err(format!("{name}: interfaces and unions are not supported"))
            }
        };
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish().map_err(|e| e.to_string())
}

/// The type definitions of `published` with the sandbox's extension merged in (`extend type`
/// adds fields to an object).
fn definitions(published: &str) -> Result<Vec<TypeDefinition>, String> {
    let mut types: Vec<TypeDefinition> = Vec::new();
    for (source, sdl) in [
        ("the published SDL", published),
        ("sandbox.graphql", EXTENSION),
    ] {
        let document =
            async_graphql::parser::parse_schema(sdl).map_err(|e| format!("{source}: {e}"))?;
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                return Err(format!("{source}: only type definitions are supported"));
            };
            let ty = ty.node;
            let name = ty.name.node.to_string();
            let existing = types.iter_mut().find(|t| t.name.node == name);
            match (existing, ty.extend, ty.kind) {
                (None, false, kind) => types.push(TypeDefinition { kind, ..ty }),
                (Some(base), true, TypeKind::Object(extension)) => {
                    let TypeKind::Object(base) = &mut base.kind else {
                        return Err(format!("{source}: {name} is not an object type"));
                    };
                    for f in extension.fields {
                        if base
                            .fields
                            .iter()
                            .any(|b| b.node.name.node == f.node.name.node)
                        {
                            return Err(format!("{source}: {name}.{} exists", f.node.name.node));
                        }
                        base.fields.push(f);
                    }
                }
                (Some(_), false, _) => return Err(format!("{source}: {name} is defined twice")),
                (_, true, _) => return Err(format!("{source}: cannot extend {name}")),
            }
        }
    }
    Ok(types)
}

fn type_ref(ty: &Type) -> TypeRef {
    let base = match &ty.base {
        BaseType::Named(name) => TypeRef::named(name.as_str()),
        BaseType::List(item) => TypeRef::List(Box::new(type_ref(item))),
    };
    if ty.nullable {
        base
    } else {
        TypeRef::NonNull(Box::new(base))
    }
}

/// `Some(reason)` when `@deprecated` is among `directives`.
fn deprecation(directives: &[Positioned<ConstDirective>]) -> Option<Option<String>> {
    let directive = directives
        .iter()
        .find(|d| d.node.name.node == "deprecated")?;
    Some(
        match directive.node.get_argument("reason").map(|r| &r.node) {
            Some(Value::String(reason)) => Some(reason.clone()),
            _ => None,
        },
    )
}

fn input_value(def: &InputValueDefinition) -> InputValue {
    let mut value = InputValue::new(def.name.node.as_str(), type_ref(&def.ty.node));
    if let Some(default) = &def.default_value {
        value = value.default_value(default.node.clone());
    }
    deprecated!(described!(value, def.description), def.directives)
}

fn field(
    def: &FieldDefinition,
    root: bool,
    leaves: &HashMap<String, Leaf>,
    dialect: &Arc<Dialect>,
) -> Field {
    let name = def.name.node.to_string();
    let ty = type_ref(&def.ty.node);
    let resolver = if !root {
        let leaf = leaves.get(ty.type_name()).copied().unwrap_or(Leaf::Scalar);
        reader(name.clone(), ty.clone(), leaf)
    } else if let Some(root) = resolvers::root(&name) {
        root_resolver(root, dialect.clone())
    } else {
        not_implemented(name.clone())
    };
    let field = def
        .arguments
        .iter()
        .fold(Field::new(name, ty, resolver), |f, a| {
            f.argument(input_value(&a.node))
        });
    deprecated!(described!(field, def.description), def.directives)
}

/// Records that the request ran (see [`Ran`]).
fn ran(ctx: &ResolverContext<'_>) {
    if let Some(ran) = ctx.data_opt::<Ran>() {
        ran.set();
    }
}

fn root_resolver(root: Root, dialect: Arc<Dialect>) -> Resolver {
    Box::new(move |ctx| {
        ran(&ctx);
        let answer = root(&ctx, &dialect).map(owned);
        FieldFuture::new(async move { answer })
    })
}

/// A root field of the SDL the sandbox does not implement: null, with an error at its path
/// (reported through the context: an error returned by a dynamic resolver loses its path).
fn not_implemented(name: String) -> Resolver {
    Box::new(move |ctx| {
        ran(&ctx);
        let message = format!("{name} is not implemented by the sandbox");
        let error = ServerError::new(message, Some(ctx.item.pos));
        ctx.add_error(ctx.set_error_path(error));
        FieldFuture::Value(None)
    })
}

/// A root field's JSON answer: null, an object, or a list of objects.
fn owned<'a>(json: Json) -> Option<FieldValue<'a>> {
    match json {
        Json::Null => None,
        Json::Array(items) => Some(FieldValue::list(
            items.into_iter().map(FieldValue::owned_any),
        )),
        object => Some(FieldValue::owned_any(object)),
    }
}

fn reader(name: String, ty: TypeRef, leaf: Leaf) -> Resolver {
    Box::new(move |ctx| FieldFuture::Value(read(ctx.parent_value, &name, &ty, leaf)))
}

/// Field `name` of type `ty` of the parent object's JSON.
fn read<'a>(
    parent: &'a FieldValue<'a>,
    name: &str,
    ty: &TypeRef,
    leaf: Leaf,
) -> Option<FieldValue<'a>> {
    let value = parent.downcast_ref::<Json>()?.get(name)?;
    (!value.is_null()).then(|| field_value(value, ty, leaf))
}

/// `json` as a value of type `ty`: an object stays JSON for its fields to read, a list is a
/// list, a leaf is a value (an enum leaf an enum value).
fn field_value<'a>(json: &'a Json, ty: &TypeRef, leaf: Leaf) -> FieldValue<'a> {
    match (ty, json) {
        (TypeRef::NonNull(inner), _) => field_value(json, inner, leaf),
        (TypeRef::List(item), Json::Array(items)) => {
            FieldValue::list(items.iter().map(|i| field_value(i, item, leaf)))
        }
        (_, Json::Null) => FieldValue::NULL,
        _ => match (leaf, json) {
            (Leaf::Object, _) => FieldValue::borrowed_any(json),
            (Leaf::Enum, Json::String(name)) => FieldValue::value(Value::Enum(Name::new(name))),
            _ => FieldValue::value(Value::from_json(json.clone()).unwrap_or_default()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generation_builds_from_its_sdl_with_the_extension() {
        for generation in SchemaGeneration::ALL {
            let sdl = schema(generation, None).sdl();
            assert!(
                sdl.contains("connectionSimulateError(input: ConnectionSimulateErrorInput!): ConnectionSimulateErrorPayload"),
                "{generation}"
            );
            assert_eq!(
                sdl.contains("connectorPlaidInitialize("),
                generation.has_plaid(),
                "{generation}"
            );
        }
    }

    #[test]
    fn extensions_must_fit_the_published_sdl() {
        let twice = definitions("type Query { a: Int } type Query { b: Int }");
        assert!(twice.unwrap_err().contains("twice"));
    }
}
