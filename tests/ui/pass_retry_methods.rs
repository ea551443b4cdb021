// Methods taking `&self` and `&mut self`, and `&mut T` arguments, are re-borrowed per attempt.
use steadfast::retry;

struct Counter {
    calls: u32,
    fail_until: u32,
}

impl Counter {
    #[retry(attempts = 4, backoff = "none")]
    fn bump(&mut self, log: &mut Vec<u32>) -> Result<u32, String> {
        self.calls += 1;
        log.push(self.calls);
        if self.calls < self.fail_until {
            return Err(format!("call {}", self.calls));
        }
        Ok(self.calls)
    }

    #[retry(attempts = 2, backoff = "none")]
    fn peek(&self, offset: u32) -> Result<u32, String> {
        Ok(self.calls + offset)
    }

    #[retry(attempts = 2, delay = "1ms")]
    pub(crate) fn reset(&mut self) -> Result<(), String> {
        self.calls = 0;
        Ok(())
    }

    // The receiver written out in full is a borrow too.
    #[retry(attempts = 2, backoff = "none")]
    fn total(self: &Self, extra: &[u32]) -> Result<u32, String> {
        Ok(self.calls + extra.iter().sum::<u32>())
    }

    #[retry(attempts = 2, backoff = "none")]
    fn add(self: &mut Self, n: u32) -> Result<u32, String> {
        self.calls += n;
        Ok(self.calls)
    }
}

fn main() {
    let mut counter = Counter {
        calls: 0,
        fail_until: 3,
    };
    let mut log = Vec::new();
    assert_eq!(counter.bump(&mut log), Ok(3));
    assert_eq!(log, [1, 2, 3]);
    assert_eq!(counter.peek(10), Ok(13));
    counter.reset().unwrap();
    counter.fail_until = 100;
    assert_eq!(counter.bump(&mut log), Err("call 4".to_string()));
    assert_eq!(counter.total(&[1, 2]), Ok(7));
    assert_eq!(counter.add(1), Ok(5));
}
