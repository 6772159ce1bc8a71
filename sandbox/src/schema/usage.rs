//! GraphQL's "All Variable Usages Are Allowed" rule, which async-graphql 7.2 does not apply (its
//! validator combinator never forwards input values to the rule), so a nullable
//! `$input: ConnectorPlaidInitializeInput` would run where Quiltt's live API refuses it.
//!
//! A variable may only be used where its type fits: `$x: T` (no default) cannot feed a `T!`
//! argument or input field, lists must match lists, names must match. The types of arguments and
//! input fields come from the schema's own SDL.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Pos, Positioned, ServerError};
use async_graphql_value::Value;

/// A field of an object type: its type and its arguments' types.
type FieldTypes = (Type, HashMap<String, Type>);

/// The argument and input field types of a schema.
#[derive(Debug, Default)]
pub(crate) struct Types {
    /// object type → field → its types
    objects: HashMap<String, HashMap<String, FieldTypes>>,
    /// input type → field → type
    inputs: HashMap<String, HashMap<String, Type>>,
}

impl Types {
    /// Reads the types from `sdl` (as async-graphql prints it).
    pub(crate) fn from_sdl(sdl: &str) -> Self {
        let mut types = Types::default();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return types;
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.to_string();
            match ty.node.kind {
                TypeKind::Object(object) => {
                    let fields = object
                        .fields
                        .into_iter()
                        .map(|f| {
                            let args = f
                                .node
                                .arguments
                                .into_iter()
                                .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                                .collect();
                            (f.node.name.node.to_string(), (f.node.ty.node, args))
                        })
                        .collect();
                    types.objects.insert(name, fields);
                }
                TypeKind::InputObject(input) => {
                    let fields = input
                        .fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect();
                    types.inputs.insert(name, fields);
                }
                _ => {}
            }
        }
        types
    }

    /// The fields of object type `ty` and their named types (none: not an object type).
    #[cfg(test)]
    pub(crate) fn fields(&self, ty: &str) -> Vec<(&str, &str)> {
        let mut fields: Vec<(&str, &str)> = self
            .objects
            .get(ty)
            .into_iter()
            .flatten()
            .map(|(name, (ty, _))| (name.as_str(), named(ty)))
            .collect();
        fields.sort();
        fields
    }

    /// The errors of `document` under the rule (none when it holds).
    pub(crate) fn check(&self, document: &ExecutableDocument) -> Vec<ServerError> {
        let mut errors = Vec::new();
        let operations: Vec<_> = match &document.operations {
            DocumentOperations::Single(op) => vec![op],
            DocumentOperations::Multiple(map) => map.values().collect(),
        };
        for op in operations {
            let root = match op.node.ty {
                OperationType::Query => "Query",
                OperationType::Mutation => "Mutation",
                OperationType::Subscription => continue,
            };
            let variables: HashMap<&str, Variable> = op
                .node
                .variable_definitions
                .iter()
                .map(|d| {
                    let declared = &d.node.var_type.node;
                    let mut effective = declared.clone();
                    // A nullable variable with a default fills a non-null position.
                    if d.node.default_value.is_some() {
                        effective.nullable = false;
                    }
                    let variable = Variable {
                        declared,
                        effective,
                        pos: d.pos,
                    };
                    (d.node.name.node.as_str(), variable)
                })
                .collect();
            let mut walk = Walk {
                types: self,
                document,
                variables: &variables,
                errors: &mut errors,
                depth: 0,
            };
            walk.selection_set(root, &op.node.selection_set);
        }
        errors
    }
}

struct Variable<'a> {
    declared: &'a Type,
    effective: Type,
    pos: Pos,
}

struct Walk<'a> {
    types: &'a Types,
    document: &'a ExecutableDocument,
    variables: &'a HashMap<&'a str, Variable<'a>>,
    errors: &'a mut Vec<ServerError>,
    depth: usize,
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Whether a variable of type `var` may be used where `position` is expected.
fn fits(var: &Type, position: &Type) -> bool {
    if !position.nullable && var.nullable {
        return false;
    }
    match (&var.base, &position.base) {
        (BaseType::List(v), BaseType::List(p)) => fits(v, p),
        (BaseType::Named(v), BaseType::Named(p)) => v == p,
        _ => false,
    }
}

impl Walk<'_> {
    fn selection_set(&mut self, parent: &str, set: &Positioned<SelectionSet>) {
        // Fragment cycles are invalid anyway (async-graphql reports them); don't loop on them.
        if self.depth > 64 {
            return;
        }
        self.depth += 1;
        for item in &set.node.items {
            match &item.node {
                Selection::Field(field) => {
                    let Some((ty, args)) = self
                        .types
                        .objects
                        .get(parent)
                        .and_then(|fields| fields.get(field.node.name.node.as_str()))
                    else {
                        continue;
                    };
                    for (name, value) in &field.node.arguments {
                        if let Some(arg_ty) = args.get(name.node.as_str()) {
                            self.value(&value.node, arg_ty, value.pos);
                        }
                    }
                    self.selection_set(named(ty), &field.node.selection_set);
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.selection_set(on, &fragment.node.selection_set);
                }
                Selection::FragmentSpread(spread) => {
                    let name: &Name = &spread.node.fragment_name.node;
                    if let Some(fragment) = self.document.fragments.get(name) {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.selection_set(on, &fragment.node.selection_set);
                    }
                }
            }
        }
        self.depth -= 1;
    }

    fn value(&mut self, value: &Value, expected: &Type, pos: Pos) {
        match value {
            Value::Variable(name) => {
                if let Some(variable) = self.variables.get(name.as_str()) {
                    if !fits(&variable.effective, expected) {
                        let mut error = ServerError::new(
                            format!(
                                "Variable \"${name}\" of type \"{}\" used in position expecting type \"{expected}\".",
                                variable.declared
                            ),
                            Some(variable.pos),
                        );
                        error.locations.push(pos);
                        self.errors.push(error);
                    }
                }
            }
            Value::List(items) => {
                let item_ty = match &expected.base {
                    BaseType::List(inner) => inner.as_ref(),
                    // A single value given for a list: it is coerced to a list of one.
                    BaseType::Named(_) => expected,
                };
                for item in items {
                    self.value(item, item_ty, pos);
                }
            }
            Value::Object(fields) => {
                let Some(input) = self.types.inputs.get(named(expected)) else {
                    return;
                };
                for (name, field_value) in fields {
                    if let Some(field_ty) = input.get(name.as_str()) {
                        self.value(field_value, field_ty, pos);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        type Query { connection(id: ID!): Thing  things(filter: Filter): [Thing!] }
        type Mutation { go(input: GoInput!): Thing }
        type Thing { id: ID!  child(n: Int!): Thing }
        input GoInput { id: ID!  tags: [String!]!  note: String  nested: Filter }
        input Filter { status: [String!] }
    ";

    fn errors(query: &str) -> Vec<String> {
        let types = Types::from_sdl(SDL);
        let doc = async_graphql::parser::parse_query(query).unwrap();
        types.check(&doc).into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn nullable_variables_cannot_fill_required_positions() {
        assert_eq!(
            errors("mutation($i: GoInput) { go(input: $i) { id } }"),
            ["Variable \"$i\" of type \"GoInput\" used in position expecting type \"GoInput!\"."]
        );
        assert!(errors("mutation($i: GoInput!) { go(input: $i) { id } }").is_empty());
        assert!(
            errors("mutation($i: GoInput = { id: \"x\", tags: [] }) { go(input: $i) { id } }")
                .is_empty()
        );
        assert_eq!(
            errors("query($id: ID) { connection(id: $id) { id } }").len(),
            1
        );
    }

    #[test]
    fn nested_fields_lists_and_fragments_are_checked() {
        assert_eq!(
            errors("mutation($id: ID, $t: [String]) { go(input: { id: $id, tags: $t }) { id } }")
                .len(),
            2
        );
        assert!(errors("mutation($id: ID!, $t: [String!]!, $n: String) { go(input: { id: $id, tags: $t, note: $n }) { id } }").is_empty());
        assert_eq!(
            errors("query($n: Int) { ...F } fragment F on Query { connection(id: \"a\") { child(n: $n) { id } } }").len(),
            1
        );
        assert_eq!(
            errors("query($s: String) { things(filter: { status: [$s] }) { id } }").len(),
            1
        );
        assert!(
            errors("query($s: String!) { things(filter: { status: [$s] }) { id } }").is_empty()
        );
        assert_eq!(
            errors("query($id: String!) { connection(id: $id) { id } }").len(),
            1
        );
    }
}
