/* Charts for the dashboard's reports page, drawn with uPlot (served by
 * patron at /dashboard/assets/uplot.js; no CDN).
 *
 * The page works without this file: every number is in a table, and each
 * chart's <figure> stays hidden until it is drawn here. The data comes from
 * <script type="application/json" id="reports-data">, which the server
 * writes (src/dash/dash_reports.c): x values are unix seconds at UTC midnight,
 * money in major units, conversion in percent (null without impressions).
 * The canvases are hidden from screen readers, which read the tables; each
 * figure's legend, written by the server, gives the period's totals. The
 * funnel and the A/B ranges are drawn by the server and need no script. */
(function () {
  'use strict';

  var INK = '#1b1b1b';
  var GRID = '#e2e2e2';
  var FIRST = '#0b5cad';  /* 6.6:1 on white */
  var SECOND = '#a04a00'; /* 5.6:1 on white; drawn dashed as well */
  var HEIGHT = 260;

  function readData() {
    var block = document.getElementById('reports-data');
    if (!block) return null;
    try {
      return JSON.parse(block.textContent);
    } catch (error) {
      return null;
    }
  }

  function number(value, decimals) {
    if (value === null || value === undefined) return '\u2014';
    return value.toLocaleString('en', {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  }

  function widthOf(figure) {
    var width = figure.parentNode ? figure.parentNode.clientWidth : 0;
    return Math.max(280, Math.min(width || 640, 960));
  }

  function utc(seconds) {
    return uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
  }

  function axis(scale, side, showGrid) {
    return {
      scale: scale,
      side: side,
      size: side === 2 ? 50 : 72,
      stroke: INK,
      grid: { show: showGrid, stroke: GRID, width: 1 },
      ticks: { stroke: GRID, width: 1 },
    };
  }

  var drawn = [];

  /* Shows a figure and draws into its plot area; build returns the chart. */
  function draw(id, build) {
    var figure = document.getElementById(id);
    if (!figure) return;
    var plot = figure.querySelector('.reports-plot');
    if (!plot) return;
    plot.setAttribute('aria-hidden', 'true');
    figure.hidden = false;
    drawn.push({ figure: figure, chart: build(plot, widthOf(figure)) });
  }

  function traffic(data) {
    return function (plot, width) {
      var options = {
        width: width,
        height: HEIGHT,
        tzDate: utc,
        scales: { x: { time: true }, count: { auto: true }, money: { auto: true } },
        series: [
          { label: 'Day (UTC)' },
          {
            label: 'Impressions',
            scale: 'count',
            stroke: FIRST,
            width: 2,
            value: function (u, v) { return number(v, 0); },
          },
          {
            label: 'Revenue received (' + data.currency + ')',
            scale: 'money',
            stroke: SECOND,
            width: 2,
            dash: [6, 4],
            value: function (u, v) { return number(v, 2); },
          },
        ],
        axes: [axis('x', 2, true), axis('count', 3, true), axis('money', 1, false)],
      };
      return new uPlot(options, [data.days, data.impressions, data.revenue], plot);
    };
  }

  function conversion(data) {
    return function (plot, width) {
      var options = {
        width: width,
        height: HEIGHT,
        tzDate: utc,
        scales: { x: { time: true }, percent: { auto: true, range: function (u, min, max) {
          return [0, max > 0 ? max * 1.1 : 1];
        } } },
        series: [
          { label: 'Day (UTC)' },
          {
            label: 'Conversion (%)',
            scale: 'percent',
            stroke: FIRST,
            width: 2,
            spanGaps: false,
            points: { show: true, size: 5 },
            value: function (u, v) { return v === null ? '\u2014' : number(v, 2) + '%'; },
          },
        ],
        axes: [
          axis('x', 2, true),
          Object.assign(axis('percent', 3, true), {
            values: function (u, splits) {
              return splits.map(function (v) { return number(v, 2) + '%'; });
            },
          }),
        ],
      };
      return new uPlot(options, [data.days, data.conversion], plot);
    };
  }

  function start() {
    var data = readData();
    if (!data || typeof uPlot !== 'function') return;
    if (data.days && data.days.length > 0) {
      draw('reports-traffic-chart', traffic(data));
      draw('reports-conversion-chart', conversion(data));
    }
    var pending = null;
    window.addEventListener('resize', function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        drawn.forEach(function (entry) {
          entry.chart.setSize({ width: widthOf(entry.figure), height: HEIGHT });
        });
      }, 150);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
