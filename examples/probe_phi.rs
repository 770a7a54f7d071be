//! Prints each argument's PHI candidates and what the scan keeps: a probe for rule work.
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
        let kept: Vec<_> = toolgate::detect::phi::scan(&t)
            .iter()
            .map(|f| format!("{:?} {:?}", f.kind, &t[f.range.clone()]))
            .collect();
        println!("  => {kept:?}");
    }
}
