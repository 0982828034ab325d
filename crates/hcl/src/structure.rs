//! Whether two texts are the same configuration laid out differently: the check a formatter
//! runs before it overwrites a file.

use hcl_edit::expr::{Array, FuncArgs, Object, ObjectValue, ObjectValueTerminator};
use hcl_edit::structure::Body;
use hcl_edit::template::HeredocTemplate;
use hcl_edit::visit_mut::{self, VisitMut};

/// Why two texts could not be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    /// The original text is not HCL: there is nothing to compare against.
    #[error("the original does not parse: {0}")]
    Before(String),
    /// The rewritten text is not HCL: writing it would break the file.
    #[error("the rewritten text does not parse: {0}")]
    After(String),
}

/// Whether `before` and `after` parse to the same blocks, attributes and values, ignoring
/// layout (whitespace, comments, trailing commas, newline or comma between object items),
/// so that a formatter can prove it changed nothing else before it writes.
pub fn same_structure(before: &str, after: &str) -> Result<bool, StructureError> {
    let before = parse(before).map_err(StructureError::Before)?;
    let after = parse(after).map_err(StructureError::After)?;
    Ok(before == after)
}

/// hcl-edit's equality already ignores decor (whitespace and comments around nodes); this
/// also clears what it keeps inside brackets.
fn parse(text: &str) -> Result<Body, String> {
    let mut body = hcl_edit::parser::parse_body(text).map_err(|e| e.message().trim().to_owned())?;
    Layout.visit_body_mut(&mut body);
    Ok(body)
}

/// Resets the layout hcl-edit compares: the space and comments before a closing bracket,
/// trailing commas and object item terminators.
struct Layout;

impl VisitMut for Layout {
    fn visit_array_mut(&mut self, node: &mut Array) {
        node.set_trailing("");
        node.set_trailing_comma(false);
        visit_mut::visit_array_mut(self, node);
    }

    fn visit_object_mut(&mut self, node: &mut Object) {
        node.set_trailing("");
        visit_mut::visit_object_mut(self, node);
    }

    fn visit_object_value_mut(&mut self, node: &mut ObjectValue) {
        node.set_terminator(ObjectValueTerminator::None);
        visit_mut::visit_object_value_mut(self, node);
    }

    fn visit_func_args_mut(&mut self, node: &mut FuncArgs) {
        node.set_trailing("");
        node.set_trailing_comma(false);
        visit_mut::visit_func_args_mut(self, node);
    }

    fn visit_heredoc_template_mut(&mut self, node: &mut HeredocTemplate) {
        node.set_trailing("");
        visit_mut::visit_heredoc_template_mut(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::{StructureError, same_structure};

    const ORIGINAL: &str = "module \"m\" {\n  source = \"x\" # where\n  repos = [\"a\" ,\"b\" ,]\n  tags = {a=1,\n b = f( 2 ) }\n}\n";

    #[test]
    fn layout_changes_keep_the_structure() {
        let laid_out = "module \"m\" {\n  source = \"x\"\n  repos  = [\"a\", \"b\"]\n  tags = { a = 1\n    b = f(2)\n  }\n}\n";
        assert_eq!(same_structure(ORIGINAL, laid_out), Ok(true));
    }

    #[test]
    fn a_changed_value_or_name_is_a_different_structure() {
        let value = ORIGINAL.replace("\"b\"", "\"c\"");
        assert_eq!(same_structure(ORIGINAL, &value), Ok(false));
        let name = ORIGINAL.replace("source", "sauce");
        assert_eq!(same_structure(ORIGINAL, &name), Ok(false));
        let dropped = ORIGINAL.replace("  source = \"x\" # where\n", "");
        assert_eq!(same_structure(ORIGINAL, &dropped), Ok(false));
    }

    #[test]
    fn text_that_does_not_parse_is_an_error() {
        let broken = ORIGINAL.replace("= [", "[");
        assert!(matches!(
            same_structure(ORIGINAL, &broken),
            Err(StructureError::After(_))
        ));
        assert!(matches!(
            same_structure(&broken, ORIGINAL),
            Err(StructureError::Before(_))
        ));
    }
}
