//! The seed's examples, in rask: chunked arrays, `visualize`, the literalness example (dask
//! computes `x > 0` twice in `y[x > 0] + z[x > 0]`; rask builds it once), and the 2-D blocked
//! transpose. Run: `cargo run --release --example seed`.

use rask::reference::{Data, NoSources, Reference};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = rask::Context::new();
    let (n, chunk) = (100_000_000, 5_000_000);
    let x = ctx.random_normal(&[n], &[chunk], 1)?;
    let y = ctx.random_normal(&[n], &[chunk], 2)?;
    let z = ctx.random_normal(&[n], &[chunk], 3)?;
    println!("x: {} ({} chunks of {chunk})", x.ty().describe(), n / chunk);

    // A: the mask named once.
    let pos = x.gt(0.0)?;
    let a = (&y.mask(&pos)? + &z.mask(&pos)?)?;
    // B: the mask written twice. Hash-consing makes it one node as it is built.
    let b = (&y.mask(&x.gt(0.0)?)? + &z.mask(&x.gt(0.0)?)?)?;
    // C: one mask of a sum.
    let c = (&(&x + &y)? + &z)?.mask(&x.gt(0.0)?)?;
    let (oa, ob, oc) = (a.optimize()?, b.optimize()?, c.optimize()?);
    println!(
        "A: {} nodes as built, {} after fusion",
        oa.before.node_count(),
        oa.fused.node_count()
    );
    println!(
        "B: {} nodes as built, {} after fusion",
        ob.before.node_count(),
        ob.fused.node_count()
    );
    println!(
        "C: {} nodes as built, {} after fusion",
        oc.before.node_count(),
        oc.fused.node_count()
    );
    println!("{}", b.explain()?);

    let dir = std::env::temp_dir();
    let drawing = dir.join("rask-seed-b.svg");
    b.visualize(&drawing)?;
    b.visualize_optimized(&dir.join("rask-seed-b-optimized.svg"))?;
    println!(
        "visualize: wrote {} and {} (and .dot files)",
        drawing.display(),
        dir.join("rask-seed-b-optimized.svg").display()
    );

    // The seed's 2-D example: ones((15, 15), chunks=(5, 5)) + x.T
    let ones = ctx.ones(&[15, 15], &[5, 5])?;
    let x2 = ctx.arange(225, 25)?.reshape(&[15, 15], &[5, 5])?;
    let s = (&ones + &x2.t()?)?;
    if let Data::Array { shape, values } = s.compute(&NoSources)? {
        println!(
            "2-D: shape {shape:?}, s[0][1] = {} (1 + x[1][0] = 1 + 15)",
            values[1]
        );
    }
    // A small run through the reference interpreter (the seed's sizes are for the execution engine).
    let small = ctx
        .random_normal(&[1_000], &[100], 2)?
        .mask(&ctx.random_normal(&[1_000], &[100], 1)?.gt(0.0)?)?
        .count(None)?;
    println!(
        "len(y[x > 0]) for 1,000 normals: {:?}",
        small.compute(&NoSources)?
    );

    println!(
        "cse: A={} B={}",
        oa.fused.output_keys()[0],
        ob.fused.output_keys()[0]
    );
    Ok(())
}
