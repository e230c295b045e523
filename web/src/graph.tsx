// A small uPlot line graph of the last samples (CPU% or memory), redrawn in place as points arrive.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Point } from "./live.js";

export function Graph(props: {
  title: string;
  points: readonly Point[];
  series: "cpu" | "mem";
  unit: "%" | "bytes";
  max?: number;
  label: string;
}) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = (): uPlot.AlignedData => [props.points.map((p) => p.t), props.points.map((p) => p[props.series])];

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth || 300);
    const options: uPlot.Options = {
      width,
      height: 110,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: props.max === undefined ? { auto: true } : { range: [0, props.max] } },
      axes: [
        { show: false },
        {
          size: 48,
          stroke: "currentColor",
          grid: { stroke: "rgba(128,128,128,0.2)" },
          values: (_u, ticks) => ticks.map((v) => (props.unit === "%" ? `${Math.round(v)}%` : humanAxis(v))),
        },
      ],
      series: [
        {},
        {
          label: props.label,
          stroke: props.series === "cpu" ? "#2f7de1" : "#d1812f",
          width: 1.5,
          fill: props.series === "cpu" ? "rgba(47,125,225,0.15)" : "rgba(209,129,47,0.15)",
        },
      ],
    };
    plot.current = new uPlot(options, data(), element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: 110 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.series, props.max, props.unit, props.label]);

  useEffect(() => {
    plot.current?.setData(data());
  });

  const last = props.points[props.points.length - 1]?.[props.series];
  return (
    <figure class="graph" aria-label={props.title}>
      <figcaption>
        {props.title}:{" "}
        <strong>{last === null || last === undefined ? "–" : props.unit === "%" ? `${last.toFixed(1)}%` : humanAxis(last)}</strong>
      </figcaption>
      <div ref={holder} class="graph-plot" />
    </figure>
  );
}

function humanAxis(v: number): string {
  const units = ["B", "K", "M", "G", "T"];
  let value = v;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}
