//! ADL Q8 over a NanoAOD file: the plan, its optimisation, the branches it reads.
//! Run: `cargo run --release --example adl_q8 -- data/nano-20k.root`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/nano-20k.root".to_string());
    let ctx = rask::Context::new();
    let events = rask::sources::open(&ctx, "events", &[path.as_str()], "Events")?;
    let q8 = rask::plan::adl::q8(&ctx, &events)?;
    let opt = q8.optimize()?;
    println!("{}", rask::plan::explain::explain(&opt));
    let columns = q8.necessary_columns()?;
    let all: Vec<String> = columns.values().flatten().cloned().collect();
    println!("necessary_columns: {}", all.join(","));
    println!(
        "nodes: before={} after={}",
        opt.before.node_count(),
        opt.fused.node_count()
    );
    Ok(())
}
