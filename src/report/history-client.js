/* global Chart */
// Renders the twinbench history page's charts from the JSON embedded in the page. Runs offline.
(function renderHistory() {
  var data = JSON.parse(document.getElementById('twinbench-history').textContent);
  var rendered = [];
  // Each point's 95 % interval as a vertical bar with caps, drawn under the points.
  var intervals = {
    id: 'twinbenchIntervals',
    beforeDatasetsDraw: (chart) => {
      var ctx = chart.ctx;
      chart.data.datasets.forEach((dataset, index) => {
        var meta = chart.getDatasetMeta(index);
        if (meta.hidden) return;
        ctx.save();
        ctx.strokeStyle = dataset.borderColor;
        ctx.lineWidth = 1;
        dataset.data.forEach((point, i) => {
          if (point.low === null || point.high === null) return;
          var x = meta.data[i].x;
          var top = chart.scales.y.getPixelForValue(point.high);
          var bottom = chart.scales.y.getPixelForValue(point.low);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.moveTo(x - 3, top);
          ctx.lineTo(x + 3, top);
          ctx.moveTo(x - 3, bottom);
          ctx.lineTo(x + 3, bottom);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };
  var stamp = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  data.figures.forEach((figure) => {
    var canvas = document.getElementById(figure.id);
    var marks = 0;
    var datasets = figure.series.map((series) => {
      var color = data.colors[series.label] || '#7f7f7f';
      var style = (p) => (p.change ? (p.change.verdict === 'regressed' ? 'triangle' : 'rectRot') : 'circle');
      var fill = (p) =>
        p.change ? (p.change.gates ? (p.change.verdict === 'regressed' ? '#d62728' : '#2ca02c') : '#ffffff') : color;
      var edge = (p) => (p.change ? (p.change.verdict === 'regressed' ? '#d62728' : '#2ca02c') : color);
      series.points.forEach((p) => {
        if (p.change) marks++;
      });
      return {
        label: series.label,
        borderColor: color,
        backgroundColor: color,
        pointStyle: series.points.map(style),
        pointRadius: series.points.map((p) => (p.change ? 7 : 3)),
        pointBackgroundColor: series.points.map(fill),
        pointBorderColor: series.points.map(edge),
        pointBorderWidth: series.points.map((p) => (p.change ? 2 : 1)),
        data: series.points.map((p) => ({
          x: p.at,
          y: p.median,
          low: p.low,
          high: p.high,
          n: p.n,
          file: p.file,
          change: p.change,
        })),
      };
    });
    new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      plugins: [intervals],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: { xAxisKey: 'x', yAxisKey: 'y' },
        scales: {
          x: {
            type: 'linear',
            ticks: {
              maxTicksLimit: 6,
              callback: (value) => stamp(value),
            },
            title: { display: true, text: 'run start (UTC)' },
          },
          y: { title: { display: true, text: figure.unit + ' (' + figure.direction + ' is better)' } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? stamp(items[0].raw.x) + '  ' + items[0].raw.file : ''),
              afterLabel: (item) => {
                var p = item.raw;
                var lines = [
                  '95 % interval: ' + (p.low === null ? 'none (n < 6)' : p.low + ' to ' + p.high),
                  'n = ' + p.n,
                ];
                if (p.change)
                  lines.push(p.change.verdict + (p.change.gates ? '' : ' (informative)') + ': ' + p.change.reason);
                return lines;
              },
            },
          },
        },
      },
    });
    var points = datasets.reduce((n, d) => n + d.data.length, 0);
    canvas.setAttribute('data-points', String(points));
    canvas.setAttribute('data-change-points', String(marks));
    rendered.push({ id: figure.id, points: points, changePoints: marks });
  });
  window.twinbenchRendered = rendered;
})();
