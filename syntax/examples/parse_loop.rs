//! Parse one Dockerfile repeatedly (for profiling): `parse_loop FILE [ITERATIONS]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_loop FILE [ITERATIONS]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let src = match std::fs::read(&path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let start = std::time::Instant::now();
    let mut children = 0;
    for _ in 0..n {
        if let Ok(r) = syntax::parser::parse(std::hint::black_box(&src)) {
            children += r.ast.children.len();
        }
    }
    let per = start.elapsed() / n as u32;
    println!("{n} parses, {children} instructions, {per:?} per parse");
}
