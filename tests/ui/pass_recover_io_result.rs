// Return types that are aliases of `Result`: a crate's own `io::Result`-style alias whose
// error implements `From<Panic>`, and `Result` written out in full.
use steadfast::{recover, Panic};

mod io {
    #[derive(Debug)]
    pub struct Error(pub String);

    impl From<steadfast::Panic> for Error {
        fn from(panic: steadfast::Panic) -> Self {
            Error(panic.message().to_owned())
        }
    }

    pub type Result<T> = std::result::Result<T, Error>;
}

#[recover]
fn read(fail: bool) -> io::Result<u32> {
    assert!(!fail, "disk on fire");
    Ok(1)
}

#[recover]
async fn read_async(fail: bool) -> io::Result<u32> {
    assert!(!fail, "disk on fire");
    Ok(2)
}

#[recover]
fn fully_qualified() -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    panic!("boxed")
}

// `Box<dyn Error>` has `From<E: Error>`, and `Panic` is an `Error`.
impl io::Error {
    fn is(&self, message: &str) -> bool {
        self.0 == message
    }
}

fn main() {
    assert_eq!(read(false).unwrap(), 1);
    assert!(read(true).unwrap_err().is("disk on fire"));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let poll = std::pin::pin!(read_async(true)).poll(&mut cx);
    assert!(matches!(poll, std::task::Poll::Ready(Err(e)) if e.is("disk on fire")));
    let error = fully_qualified().unwrap_err();
    assert!(error.downcast_ref::<Panic>().is_some());
}

use std::future::Future;
