//! How a retried call shows its error in `tracing` events, without asking every error type
//! to implement `Debug` (a feature must not add bounds).

use core::fmt;
use core::marker::PhantomData;

/// Writes an error of type `E` for an event.
#[doc(hidden)]
pub trait DescribeError<E> {
    /// Writes `error`.
    fn describe(&self, error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// By `Display`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ViaDisplay;

/// By `Debug`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ViaDebug;

/// By the name of its type: all that can be said of an error that is neither.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TypeNameOnly;

impl<E: fmt::Display> DescribeError<E> for ViaDisplay {
    fn describe(&self, error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(error, f)
    }
}

impl<E: fmt::Debug> DescribeError<E> for ViaDebug {
    fn describe(&self, error: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(error, f)
    }
}

impl<E> DescribeError<E> for TypeNameOnly {
    fn describe(&self, _: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an error of type {}", core::any::type_name::<E>())
    }
}

/// Picks the best describer for a concrete `E` by autoref specialization: the expansion
/// calls `(&&&Probe::<E>::new()).describer()`, which finds `Display` first, then `Debug`,
/// then the type's name.
#[doc(hidden)]
pub struct Probe<E>(PhantomData<fn(&E)>);

impl<E> Probe<E> {
    /// A probe for `E`.
    #[inline(always)]
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<E> Default for Probe<E> {
    fn default() -> Self {
        Probe::new()
    }
}

#[doc(hidden)]
pub trait ProbeDisplay {
    /// [`ViaDisplay`].
    fn describer(&self) -> ViaDisplay {
        ViaDisplay
    }
}

#[doc(hidden)]
pub trait ProbeDebug {
    /// [`ViaDebug`].
    fn describer(&self) -> ViaDebug {
        ViaDebug
    }
}

#[doc(hidden)]
pub trait ProbeTypeName {
    /// [`TypeNameOnly`].
    fn describer(&self) -> TypeNameOnly {
        TypeNameOnly
    }
}

impl<E: fmt::Display> ProbeDisplay for &&Probe<E> {}
impl<E: fmt::Debug> ProbeDebug for &Probe<E> {}
impl<E> ProbeTypeName for Probe<E> {}

/// `error` written by `describer`, for a `Display` field of an event.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct Described<'a, E, D>(pub(crate) &'a E, pub(crate) &'a D);

impl<E, D: DescribeError<E>> fmt::Display for Described<'_, E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.1.describe(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Opaque;
    #[derive(Debug)]
    struct OnlyDebug;
    #[derive(Debug)]
    struct Both;
    impl fmt::Display for Both {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("shown by Display")
        }
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the borrows are how the describer is chosen
    fn prefers_display_then_debug_then_the_type_name() {
        let both = (&&&Probe::<Both>::new()).describer();
        assert_eq!(Described(&Both, &both).to_string(), "shown by Display");
        let debug = (&&&Probe::<OnlyDebug>::new()).describer();
        assert_eq!(Described(&OnlyDebug, &debug).to_string(), "OnlyDebug");
        let opaque = (&&&Probe::<Opaque>::new()).describer();
        assert!(Described(&Opaque, &opaque).to_string().ends_with("Opaque"));
    }
}
