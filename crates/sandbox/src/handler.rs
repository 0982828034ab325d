//! What a sandbox handler is, and the steps handlers are made of. The steps carry the AWS
//! provider's semantics that most kinds share; a handler names the ones its kind takes.

use ecrplan_model::{ObjectId, ProviderError, Resource, Tags};

use crate::contents::Contents;
use crate::errors::{not_the_same_object, untaggable};

/// How the sandbox changes the objects of one kind, as AWS changes them. Create, update and
/// delete follow the kind's row unless the handler says otherwise; whether the kind takes tags
/// every handler says itself.
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

    /// Changes the object `before` into `after` in place.
    fn update(
        &self,
        contents: &mut Contents,
        before: &Resource,
        after: &Resource,
    ) -> Result<(), ProviderError> {
        check_update(contents, before, after)?;
        contents.insert(after.clone());
        Ok(())
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

    /// Adds ownership tags to the existing object `id` and changes nothing else (adoption).
    fn tag(&self, contents: &mut Contents, id: &ObjectId, tags: &Tags)
    -> Result<(), ProviderError>;
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
pub(crate) fn put_child(contents: &mut Contents, resource: &Resource) -> Result<(), ProviderError> {
    if let Some(parent) = contents.parent(resource) {
        contents.exists(&parent)?;
    }
    contents.insert(resource.clone());
    Ok(())
}

/// Refuses an update that is not one object's, or of an object (or, for a child, a parent)
/// that does not exist; returns the object's id.
pub(crate) fn check_update(
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

/// Adds tags to an object that carries them.
pub(crate) fn add_tags(
    contents: &mut Contents,
    id: &ObjectId,
    tags: &Tags,
) -> Result<(), ProviderError> {
    let resource = contents
        .objects
        .get_mut(id)
        .ok_or_else(|| ProviderError::NotFound(id.clone()))?;
    let current = resource.tags_mut().ok_or_else(|| untaggable(id))?;
    current.extend(tags.clone());
    Ok(())
}

/// Refuses tags for an object AWS cannot tag (after `NotFound`, as AWS checks that first).
pub(crate) fn refuse_tags(contents: &Contents, id: &ObjectId) -> Result<(), ProviderError> {
    contents.exists(id)?;
    Err(untaggable(id))
}
