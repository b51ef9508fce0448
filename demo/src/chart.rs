//! The SVG chart of a [`Timeline`]: served throughput and flow rate over time
//! for each client, drawn with plotters' SVG backend.

use std::fmt;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::timeline::{Client, Timeline};

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 760;

/// Line colour of each client, in [`Client::ALL`] order.
const CLIENT_COLORS: [RGBColor; 3] = [
    RGBColor(214, 39, 40),  // no protection: red
    RGBColor(31, 119, 180), // circuit breaker: blue
    RGBColor(44, 160, 44),  // nozzle: green
];
const OFFERED_COLOR: RGBColor = RGBColor(120, 120, 120);
const CAPACITY_COLOR: RGBColor = BLACK;
const OVERLOAD_SHADE: RGBColor = RGBColor(250, 232, 200);

/// A chart that could not be drawn or written.
#[derive(Debug)]
pub enum ChartError {
    /// plotters failed to lay out or draw the chart.
    Draw(String),
    /// The SVG file could not be written.
    Write {
        /// The file the chart was meant for.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::Draw(message) => write!(f, "failed to draw the chart: {message}"),
            ChartError::Write { path, source } => {
                write!(
                    f,
                    "failed to write the chart to {}: {source}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for ChartError {}

fn draw_error(error: impl fmt::Display) -> ChartError {
    ChartError::Draw(error.to_string())
}

/// Renders `timeline` as an SVG document with `title` on top.
///
/// # Errors
///
/// [`ChartError::Draw`] when plotters fails, which for an SVG string means
/// a bug in the layout rather than an I/O problem.
pub fn render(timeline: &Timeline, title: &str) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let root = root.titled(title, ("sans-serif", 22)).map_err(draw_error)?;
        let (top, bottom) = root.split_vertically(HEIGHT * 55 / 100);
        draw_throughput(&top, timeline)?;
        draw_flow(&bottom, timeline)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Returns the path of a chart file named `name` in the workspace's
/// `target` directory, wherever the program runs from.
pub fn target_path(name: &str) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"));
    demo.parent().unwrap_or(demo).join("target").join(name)
}

/// Renders `timeline` and writes it to `path`, creating its directory.
///
/// # Errors
///
/// [`ChartError`] when drawing or writing fails.
pub fn write(timeline: &Timeline, title: &str, path: &Path) -> Result<(), ChartError> {
    let svg = render(timeline, title)?;
    let io_error = |source| ChartError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_error)?;
    }
    std::fs::write(path, svg).map_err(io_error)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Returns the time, in seconds, at the middle of each bucket.
fn bucket_seconds(timeline: &Timeline) -> impl Iterator<Item = f64> + Clone + '_ {
    let half = timeline.bucket_ms as f64 / 2.0;
    timeline
        .buckets
        .iter()
        .map(move |bucket| (bucket.start_ms as f64 + half) / 1000.0)
}

fn length_seconds(timeline: &Timeline) -> f64 {
    timeline.script.length_ms() as f64 / 1000.0
}

fn draw_throughput(area: &Area<'_>, timeline: &Timeline) -> Result<(), ChartError> {
    let script = timeline.script;
    let per_second = 1000.0 / timeline.bucket_ms as f64;
    let peak = (0..script.length_ms())
        .step_by(10)
        .map(|t| script.offered_rate(t).max(script.capacity(t)))
        .max()
        .unwrap_or(1);
    // Headroom above the peak keeps the legend clear of the lines.
    let top = f64::from(peak) * 1.5;

    let mut chart = ChartBuilder::on(area)
        .caption("Served throughput", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..length_seconds(timeline), 0.0..top)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("requests per second")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(draw_error)?;

    // Shade the time in which the offered rate exceeds the capacity.
    let overload = (
        script.surge_starts() as f64 / 1000.0,
        script.covered_at() as f64 / 1000.0,
    );
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(overload.0, 0.0), (overload.1, top)],
            OVERLOAD_SHADE.filled(),
        )))
        .map_err(draw_error)?
        .label("offered rate above capacity")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], OVERLOAD_SHADE.filled()));

    // Offered rate and capacity as step lines sampled every 10 ms.
    let steps = |rate: fn(&crate::script::Script, u64) -> u32| {
        (0..=script.length_ms())
            .step_by(10)
            .map(move |t| (t as f64 / 1000.0, f64::from(rate(&script, t))))
    };
    chart
        .draw_series(LineSeries::new(
            steps(crate::script::Script::offered_rate),
            OFFERED_COLOR.stroke_width(2),
        ))
        .map_err(draw_error)?
        .label("offered")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], OFFERED_COLOR.stroke_width(2)));
    chart
        .draw_series(DashedLineSeries::new(
            steps(crate::script::Script::capacity),
            6,
            4,
            CAPACITY_COLOR.stroke_width(1),
        ))
        .map_err(draw_error)?
        .label("capacity")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], CAPACITY_COLOR.stroke_width(1)));

    for client in Client::ALL {
        let color = CLIENT_COLORS[client.index()];
        let points = bucket_seconds(timeline)
            .zip(&timeline.buckets)
            .map(|(x, bucket)| (x, bucket.tallies[client.index()].served as f64 * per_second));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(draw_error)?
            .label(format!("served: {}", client.name()))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(draw_error)
}

fn draw_flow(area: &Area<'_>, timeline: &Timeline) -> Result<(), ChartError> {
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Flow rate: share of offered requests sent to the service",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..length_seconds(timeline), 0.0..110.0)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("percent")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(draw_error)?;

    for client in Client::ALL {
        let color = CLIENT_COLORS[client.index()];
        let points = bucket_seconds(timeline)
            .zip(&timeline.buckets)
            .filter(|(_, bucket)| bucket.tallies[client.index()].offered > 0)
            .map(|(x, bucket)| {
                let tally = bucket.tallies[client.index()];
                (x, tally.sent as f64 * 100.0 / tally.offered as f64)
            });
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(draw_error)?
            .label(format!("flow rate: {}", client.name()))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(draw_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Script;
    use crate::settings::Settings;
    use crate::sim::simulate;

    fn svg() -> String {
        let script = Script::new(10_000).unwrap();
        let timeline = simulate(script, &Settings::default()).unwrap();
        render(&timeline, "test chart").unwrap()
    }

    #[test]
    fn chart_is_valid_svg_with_every_series() {
        let svg = svg();
        let document = roxmltree::Document::parse(&svg).expect("valid XML");
        assert_eq!(document.root_element().tag_name().name(), "svg");

        let texts: Vec<String> = document
            .descendants()
            .filter(|node| node.has_tag_name("text"))
            .filter_map(|node| node.text().map(|text| text.trim().to_owned()))
            .collect();
        for client in Client::ALL {
            for label in [
                format!("served: {}", client.name()),
                format!("flow rate: {}", client.name()),
            ] {
                assert!(texts.contains(&label), "missing legend {label:?}");
            }
        }
        assert!(texts.iter().any(|text| text == "test chart"));
    }

    #[test]
    fn chart_draws_one_line_per_bucket_and_client() {
        let svg = svg();
        let document = roxmltree::Document::parse(&svg).unwrap();
        // Ten seconds in 200 ms buckets: 50 points per served line.
        let long_lines = document
            .descendants()
            .filter(|node| node.has_tag_name("polyline"))
            .filter_map(|node| node.attribute("points"))
            .filter(|points| points.split_whitespace().count() == 50)
            .count();
        assert_eq!(long_lines, 6, "three served and three flow lines");
    }

    #[test]
    fn write_reports_the_path_it_failed_on() {
        let script = Script::new(5_000).unwrap();
        let timeline = simulate(script, &Settings::default()).unwrap();
        // A path below a regular file cannot be created.
        let file = std::env::temp_dir().join(format!("nozzle-chart-{}", std::process::id()));
        std::fs::write(&file, "not a directory").unwrap();
        let path = file.join("chart.svg");
        let error = write(&timeline, "x", &path).unwrap_err();
        std::fs::remove_file(&file).unwrap();
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
}
