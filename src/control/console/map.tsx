// The overview's map: regions placed by latitude/longitude on an equirectangular plane, drawn as inline SVG with
// no map tiles; a dot per region sized by its hosts, a ring when it has a gateway. The table beside it says the
// same in text for screen readers and narrow screens.

import { project, type RegionView } from './view.ts';

const GRID = [-150, -120, -90, -60, -30, 0, 30, 60, 90, 120, 150];

export function RegionMap(props: { regions: RegionView[] }) {
  return (
    <svg
      class="map"
      viewBox="0 0 360 180"
      role="img"
      aria-labelledby="map-title"
      preserveAspectRatio="xMidYMid meet"
    >
      <title id="map-title">
        {`Map of ${props.regions.length} regions: ${props.regions.map((r) => r.region.code).join(', ')}`}
      </title>
      <rect class="sea" x="0" y="0" width="360" height="180" />
      {GRID.map((lon) => (
        <line class="grid" x1={lon + 180} y1="0" x2={lon + 180} y2="180" />
      ))}
      {[-60, -30, 0, 30, 60].map((lat) => (
        <line class="grid" x1="0" y1={90 - lat} x2="360" y2={90 - lat} />
      ))}
      {props.regions.map((r) => {
        const { x, y } = project(r.region.lat, r.region.lon);
        const size = 2 + Math.min(6, r.hosts.length);
        return (
          <g class="region" data-region={r.region.code}>
            {r.gateways.length > 0 ? <circle class="gw" cx={x} cy={y} r={size + 2} /> : null}
            <circle class="dot" cx={x} cy={y} r={size} />
            <text x={x + size + 3} y={y + 3}>
              {r.region.code}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
