fn main() {
    for t in std::env::args().skip(1) {
        let found = toolgate::detect::phi::candidates(&t);
        println!("{t:?}");
        for f in found {
            println!(
                "  {:?} {:?} {:?} strong={}",
                f.kind,
                &t[f.range.clone()],
                f.range,
                f.strong
            );
        }
    }
}
