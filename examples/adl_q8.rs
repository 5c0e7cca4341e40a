//! ADL Q8 over a NanoAOD file, from code to plot: the plan, its optimisation, the branches it
//! reads, the computation on DataFusion, the histogram as UHI JSON and a PNG.
//! Run: `cargo run --release --example adl_q8 -- data/nano-20k.root /tmp/q8`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "data/nano-20k.root".to_string());
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/q8".to_string()));
    let ctx = rask::Context::new();
    let events = rask::sources::open(&ctx, "events", &[path.as_str()], "Events")?;
    let q8 = rask::adl::q8(&ctx, &events)?; // a typed plan; nothing has run
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
    let engine = rask::Engine::new(rask::Scheduler::threads());
    let (outputs, stats) = engine.compute_with_stats(&[&q8])?;
    let Some(rask::exec::Output::Hist(h)) = outputs.into_iter().next() else {
        return Err("Q8 gives a histogram".into());
    };
    std::fs::create_dir_all(&out)?;
    rask::core::hist::write_uhi_json(&h, &out.join("q8.json"))?;
    rask::plot::write_plot(&h, "q8", &out.join("q8.png"), rask::plot::PlotFormat::Png)?;
    println!(
        "computed {} events in {:.3} s; read {} bytes of the {} these branches take in the file",
        stats.events, stats.seconds, stats.bytes_read, stats.column_bytes
    );
    println!(
        "wrote {}/q8.json and {}/q8.png",
        out.display(),
        out.display()
    );
    Ok(())
}
