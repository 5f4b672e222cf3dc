export interface Series {
  label: string;
  color: string;
  values: number[];
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = 32;

/**
 * Draws a line chart in plain SVG: one line per series over evenly spaced
 * points, oldest on the left. `max` fixes the top of the scale.
 */
export function LineChart(props: {
  title: string;
  labels: string[];
  series: Series[];
  max?: number;
}) {
  const { labels, series } = props;
  const top =
    props.max ?? Math.max(1, ...series.flatMap((line) => line.values));
  const x = (i: number) =>
    PAD +
    (labels.length < 2 ? 0 : (i * (WIDTH - 2 * PAD)) / (labels.length - 1));
  const y = (v: number) => HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD);

  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${props.title}: ${series.map((s) => `${s.label} latest ${s.values.at(-1) ?? "none"}`).join(", ")}`}
      >
        <line x1={PAD} y1={y(0)} x2={WIDTH - PAD} y2={y(0)} className="axis" />
        <line
          x1={PAD}
          y1={y(top)}
          x2={WIDTH - PAD}
          y2={y(top)}
          className="grid"
        />
        <text x={4} y={y(top) + 4} className="tick">
          {Math.round(top)}
        </text>
        <text x={4} y={y(0) + 4} className="tick">
          0
        </text>
        <text x={PAD} y={HEIGHT - 8} className="tick">
          {labels[0] ?? ""}
        </text>
        <text x={WIDTH - PAD} y={HEIGHT - 8} className="tick" textAnchor="end">
          {labels.at(-1) ?? ""}
        </text>
        {series.map((line) => (
          <polyline
            key={line.label}
            fill="none"
            stroke={line.color}
            strokeWidth={2}
            points={line.values.map((v, i) => `${x(i)},${y(v)}`).join(" ")}
          />
        ))}
      </svg>
      <ul className="legend">
        {series.map((line) => (
          <li key={line.label}>
            <span className="swatch" style={{ background: line.color }} />
            {line.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}
