//! What a sandbox handler is, and the steps handlers are made of. The steps carry the AWS
//! provider's semantics that most kinds share; the trait's defaults take them as a kind's row
//! says, and a handler overrides only its kind's quirks.

use std::collections::BTreeMap;

use ecrplan_model::{ObjectId, ProviderError, Resource, Tags};

use crate::contents::Contents;
use crate::errors::{not_the_same_object, requires_replacement, untaggable};

/// How the sandbox changes the objects of one kind, as AWS changes them. Every step follows
/// the kind's row unless the handler says otherwise, so a handler spells out only its kind's
/// quirks.
pub(crate) trait Handler: Sync {
    /// Creates `resource`: an object with a parent is put (overwriting, like
    /// SetRepositoryPolicy and PutRolePolicy) once its parent exists; any other is created
    /// once.
    fn create(&self, contents: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
        if resource.kind().spec().parent.is_some() {
            put_child(contents, resource)
        } else {
            create_once(contents, resource)
        }
    }

    /// Changes the object `before` into `after` in place, unless that would change an
    /// attribute AWS fixes at creation.
    fn update(
        &self,
        contents: &mut Contents,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        let id = check_update(contents, before, after)?;
        let live = contents.objects.get(&id);
        if let Some(attribute) = live.and_then(|live| self.fixed_change(live, after)) {
            return Err(requires_replacement(&id, attribute));
        }
        contents.insert(after.clone());
        Ok(())
    }

    /// The attribute AWS fixes at creation (a repository's encryption, a role's path) that
    /// changing `live` into `after` would change; none unless the handler says so.
    fn fixed_change(&self, _live: &Resource, _after: &Resource) -> Option<&'static str> {
        None
    }

    /// Deletes `resource` and what it owns; `force` deletes what AWS would otherwise refuse to
    /// (a repository's images, a user's keys).
    fn delete(
        &self,
        contents: &mut Contents,
        resource: &Resource,
        _force: bool,
    ) -> Result<(), ProviderError> {
        delete(contents, resource)
    }

    /// Adds ownership tags to the existing object `id` and changes nothing else (adoption);
    /// an object that carries no tags is refused, as AWS refuses it.
    fn tag(
        &self,
        contents: &mut Contents,
        id: &ObjectId,
        tags: &Tags,
    ) -> Result<(), ProviderError> {
        add_tags(contents, id, tags)
    }
}

/// Creates a named object. One that exists is `AlreadyExists` — unless it is this estate's
/// own and equals the one asked for: as the AWS provider, a retried create whose first answer
/// was lost counts as done.
pub(crate) fn create_once(
    contents: &mut Contents,
    resource: &Resource,
) -> Result<(), ProviderError> {
    let id = contents.id(resource);
    if let Some(existing) = contents.objects.get(&id) {
        let retried = resource.owner().is_some()
            && existing.owner() == resource.owner()
            && existing.canonical() == resource.canonical();
        return if retried {
            Ok(())
        } else {
            Err(ProviderError::AlreadyExists(id))
        };
    }
    contents.insert(resource.clone());
    Ok(())
}

/// Puts a policy, attachment or membership: it overwrites, and needs its parent.
fn put_child(contents: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
    if let Some(parent) = contents.parent(resource) {
        contents.exists(&parent)?;
    }
    contents.insert(resource.clone());
    Ok(())
}

/// Refuses an update that is not one object's, or of an object (or, for a child, a parent)
/// that does not exist; returns the object's id.
fn check_update(
    contents: &Contents,
    before: &Resource,
    after: &Resource,
) -> Result<ObjectId, ProviderError> {
    let id = same_object(contents, before, after)?;
    match contents.parent(after) {
        Some(parent) => contents.exists(&parent)?,
        None => contents.exists(&id)?,
    }
    Ok(id)
}

/// Refuses an update whose before and after are different objects; returns the object's id.
pub(crate) fn same_object(
    contents: &Contents,
    before: &Resource,
    after: &Resource,
) -> Result<ObjectId, ProviderError> {
    let id = contents.id(after);
    let was = contents.id(before);
    if was == id {
        Ok(id)
    } else {
        Err(not_the_same_object(&was, &id))
    }
}

/// Deletes an object that must exist, and the objects it owns.
pub(crate) fn delete(contents: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
    let id = contents.id(resource);
    contents.exists(&id)?;
    contents.remove_with_children(&id);
    Ok(())
}

/// Deletes an object that holds what the account keeps beside it, in `holdings` by name (a
/// repository's images, a user's access keys): unless `force`, refused with what `refusal`
/// makes of its holding; otherwise they go with it.
pub(crate) fn delete_holding<V>(
    contents: &mut Contents,
    resource: &Resource,
    force: bool,
    holdings: for<'a> fn(&'a mut Contents<'_>) -> &'a mut BTreeMap<String, V>,
    refusal: fn(&str, &V) -> Option<ProviderError>,
) -> Result<(), ProviderError> {
    contents.exists(&contents.id(resource))?;
    let name = resource.key();
    if !force
        && let Some(refused) = holdings(contents)
            .get(&name)
            .and_then(|held| refusal(&name, held))
    {
        return Err(refused);
    }
    holdings(contents).remove(&name);
    delete(contents, resource)
}

/// Adds tags to an object that carries them; one that carries none is refused after
/// `NotFound`, as AWS checks that first.
fn add_tags(contents: &mut Contents, id: &ObjectId, tags: &Tags) -> Result<(), ProviderError> {
    let resource = contents
        .objects
        .get_mut(id)
        .ok_or_else(|| ProviderError::NotFound(id.clone()))?;
    let current = resource.tags_mut().ok_or_else(|| untaggable(id))?;
    current.extend(tags.clone());
    Ok(())
}
