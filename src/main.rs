fn main() {
    advocase::start();
}
