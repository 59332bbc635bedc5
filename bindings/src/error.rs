//! The one public error type is the core's (`panelnotes_core::ffi::PanelNotesError`): a value
//! the apps send that fails to convert inside a record (a malformed date) reaches them as this
//! typed error only if the record's converter, in the core, can build it.

pub use panelnotes_core::ffi::PanelNotesError;

pub(crate) type R<T> = Result<T, PanelNotesError>;
