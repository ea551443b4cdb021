use steadfast::defer;

unsafe fn release() {}

fn main() {
    defer!(move unsafe {
        release();
    });
}
