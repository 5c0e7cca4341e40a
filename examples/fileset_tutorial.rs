//! From a fileset to a stacked plot: the tutorial of `docs/tutorial-agc.md`, runnable.
//! Run: `cargo run --release --example fileset_tutorial -- data/agc/fileset.json /tmp/tutorial`.

use rask::analysis::{Analysis, Weights};
use rask::exec::Output;
use rask::plan::{Axis, Storage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let fileset = args
        .next()
        .unwrap_or_else(|| "data/agc/fileset.json".into());
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/tutorial".into()));

    // 1. Every dataset of the fileset as one source; `dataset`, `process`, `xsec`, `nevts` are
    //    per-event columns (constant per file).
    let ctx = rask::Context::new();
    let (events, fs) = rask::sources::open_fileset(&ctx, "events", &fileset)?;
    let datasets: Vec<String> = fs.datasets.iter().map(|d| d.name.clone()).collect();

    // 2. A selection: jets with pT > 30 GeV, events with at least four of them.
    let jet_pt = events
        .field("Jet")?
        .field("pt")?
        .cast(rask::plan::DType::F64)?;
    let jets = jet_pt.gt(30.0)?;
    let four = jets.sum(Some(1))?.ge(4)?;
    let ht = jet_pt.mask(&jets)?.sum(Some(1))?.mask(&four)?;

    // 3. Weights: the normalisation, and a flat 5% variation.
    let mut w = Weights::new(&ctx);
    let data = events
        .field("process")?
        .eq(index(&events, "process", "data")?)?;
    let norm = (&(&events.field("xsec")? * 3378.0)? / &events.field("nevts")?)?;
    w.add("norm", &ctx.where_(&data, 1.0, &norm)?)?;
    w.add_variation("flat", &ctx.literal(1.05)?, &ctx.literal(0.95)?)?;

    // 4. The histogram by dataset, for the nominal weight and each weight variation...
    let axes = vec![
        Axis::Regular {
            bins: 25,
            lo: 50.0,
            hi: 550.0,
            label: "H_{T} [GeV]".into(),
        },
        Axis::StrCategory {
            categories: datasets.clone(),
            label: "dataset".into(),
        },
    ];
    let dataset = events.field("dataset")?.mask(&four)?;
    let hist = |weight: &rask::Expr| -> Result<rask::Expr, rask::plan::PlanError> {
        ctx.hist(
            axes.clone(),
            Storage::Weight,
            &[&ht, &dataset],
            Some(&weight.mask(&four)?),
        )
    };
    let mut parts = vec![("nominal".to_string(), hist(&w.weight(None)?)?)];
    for v in w.variations() {
        parts.push((v.clone(), hist(&w.weight(Some(&v))?)?));
    }
    // ... and a jet-energy-scale shift: the nominal histogram with the jets' pT replaced.
    let jes = ctx.vary(
        &[&parts[0].1],
        &[("jes_up", vec![(&jet_pt, &jet_pt.mul(1.03)?)])],
    )?;
    println!("{}", jes.summary());
    parts.push(("jes_up".into(), jes.variations[1].1[0].clone()));
    let named: Vec<(&str, &rask::Expr)> = parts.iter().map(|(n, e)| (n.as_str(), e)).collect();
    let all = ctx.stack("variation", &named)?;

    // 5. A cut-flow, in the same pass.
    let flow = ctx.cutflow(&[(">= 4 jets", &four)], Some(&w.weight(None)?))?;
    let mut outputs = vec![&all];
    outputs.extend(flow.outputs());

    // 6. One pass over every file.
    let engine = rask::Engine::new(rask::Scheduler::threads());
    let (results, stats) = engine.compute_with_stats(&outputs)?;
    println!("{} events in {:.2} s", stats.events, stats.seconds);
    let mut results = results.into_iter();
    let Some(Output::Hist(h)) = results.next() else {
        return Err("a histogram".into());
    };
    let numbers: Vec<f64> = results
        .map(|o| match o {
            Output::Int(i) => i as f64,
            Output::Float(x) => x,
            _ => f64::NAN,
        })
        .collect();
    let table = rask::analysis::CutflowValues::from_outputs(&flow, &numbers)?;
    print!("{}", table.table());

    // 7. UHI JSON (hist reads it) and a stacked plot of the nominal simulation, by dataset.
    std::fs::create_dir_all(&out)?;
    rask::core::hist::write_uhi_json(&h, &out.join("ht.json"))?;
    let (dims, var) = (h.axes.iter().map(|a| a.extent()).collect::<Vec<_>>(), 0);
    let series = datasets
        .iter()
        .enumerate()
        .filter(|(_, d)| d.ends_with("__nominal") && !d.starts_with("data"))
        .map(|(k, d)| {
            let mut one = rask::core::hist::Histogram::new(
                vec![h.axes[0].clone()],
                rask::core::hist::StorageKind::Weight,
            );
            let rask::core::hist::Storage::Weight { sum, sum2 } = &h.storage else {
                unreachable!("Weight storage")
            };
            let pick = |s: &[f64]| -> Vec<f64> {
                (0..dims[0])
                    .map(|b| s[(b * dims[1] + k) * dims[2] + var])
                    .collect()
            };
            one.storage = rask::core::hist::Storage::Weight {
                sum: pick(sum),
                sum2: pick(sum2),
            };
            (
                rask::plot::latex::escape(d),
                rask::plot::data::bins1(&one).expect("1-D"),
            )
        })
        .collect();
    let fig = rask::plot::one_d::OneD {
        series,
        stack: true,
        data: None,
        stats: false,
    };
    let png = out.join("ht.png");
    rask::plot::write_figure(
        &rask::plot::Figure::OneD(fig),
        &png,
        rask::plot::PlotFormat::Png,
        &rask::plot::PlotOptions::default(),
    )?;
    println!(
        "wrote {} and {}",
        out.join("ht.json").display(),
        png.display()
    );
    Ok(())
}

/// The code of `name` in a coded per-file column.
fn index(events: &rask::Expr, column: &str, name: &str) -> Result<i64, Box<dyn std::error::Error>> {
    let cats = events
        .field(column)?
        .categories()
        .ok_or("not a category column")?;
    let k = cats
        .iter()
        .position(|c| c == name)
        .ok_or("no such category")?;
    Ok(k as i64)
}
