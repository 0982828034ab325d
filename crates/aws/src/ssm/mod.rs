//! SSM's one object for ecrplan: the registry's owner record, a parameter, because the
//! registry's settings take no tags to hold their ownership.

pub(crate) mod owner;
