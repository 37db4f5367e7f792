/* global Chart */
// Renders the twinbench report's charts from the JSON embedded in the page. Runs offline.
(function renderTwinbench() {
  var data = JSON.parse(document.getElementById('twinbench-data').textContent);
  // One colour per runtime, assigned by the report in the runtime table's order.
  var colors = data.colors;
  var rendered = [];
  function chart(id, config) {
    var canvas = document.getElementById(id);
    var instance = new Chart(canvas, config);
    var points = config.data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null).length, 0);
    canvas.setAttribute('data-points', String(points));
    rendered.push({ id: id, points: points });
    return instance;
  }
  var opts = (yTitle) => ({
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { position: 'bottom' } },
    scales: { y: { title: { display: true, text: yTitle } } },
  });

  // Boot phases: one stacked bar per runtime x workload (median ms per phase).
  var phaseNames = [];
  data.groups.forEach((g) => {
    g.phases.forEach((p) => {
      if (phaseNames.indexOf(p.name) < 0) phaseNames.push(p.name);
    });
  });
  chart('chart-boot', {
    type: 'bar',
    data: {
      labels: data.groups.map((g) => g.runtime + ' ' + g.workload),
      datasets: phaseNames.map((name, i) => ({
        label: name,
        backgroundColor: 'hsl(' + ((i * 67) % 360) + ', 60%, 55%)',
        data: data.groups.map((g) => {
          var p = g.phases.find((x) => x.name === name);
          return p ? p.median : null;
        }),
      })),
    },
    options: Object.assign(opts('ms (median)'), {
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'ms (median)' } } },
    }),
  });

  // Memory and CPU over time for one trial per runtime, native too (the first completed trial of the resting workload).
  function series(id, column, transform, yTitle) {
    chart(id, {
      type: 'line',
      data: {
        datasets: data.series.map((s) => {
          var col = s.columns[column];
          var values = col ? transform(s.tMs, col.values) : [];
          return {
            label: s.trialId + (col ? ' (' + col.source + ')' : ' (not measured)'),
            borderColor: colors[s.runtime] || '#7f7f7f',
            pointRadius: 0,
            data: values.map((v, i) => (v === null ? null : { x: s.tMs[i] / 1000, y: v })).filter((p) => p !== null),
          };
        }),
      },
      options: Object.assign(opts(yTitle), {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 's since create/spawn' } },
          y: { title: { display: true, text: yTitle } },
        },
      }),
    });
  }
  var mib = (t, v) => v.map((x) => (x === null ? null : x / 1048576));
  var cpuPercent = (t, v) =>
    v.map((x, i) => {
      if (i === 0 || x === null || v[i - 1] === null) return null;
      var dt = (t[i] - t[i - 1]) / 1000;
      return dt > 0 ? (100 * (x - v[i - 1])) / dt : null;
    });
  series('chart-memory', 'cgroup.memory_working_set_bytes', mib, 'MiB (cgroup working set)');
  series('chart-pss', 'guest.pss_bytes', mib, 'MiB (PSS of the guest processes)');
  series('chart-cpu', 'cgroup.cpu_seconds', cpuPercent, '% of one CPU (cgroup)');

  // One small chart per figure: each runtime's 95 % interval as a floating bar, its median as a point.
  function intervalChart(id, labels, rows, colorsOf, axisTitle, horizontal, logarithmic) {
    var valueAxis = horizontal ? 'x' : 'y';
    var scales = {};
    scales[valueAxis] = {
      type: logarithmic ? 'logarithmic' : 'linear',
      beginAtZero: !logarithmic,
      title: { display: true, text: axisTitle },
    };
    chart(id, {
      type: 'bar',
      data: {
        labels: labels,
        datasets: [
          {
            label: '95 % interval of the median',
            backgroundColor: rows.map((r, i) => colorsOf(i) + '55'),
            borderColor: rows.map((r, i) => colorsOf(i)),
            borderWidth: 1,
            data: rows.map((r) => (r.low === null ? null : [r.low, r.high])),
          },
          {
            type: 'line',
            label: 'median',
            showLine: false,
            pointRadius: 5,
            pointStyle: 'rectRot',
            borderColor: '#222',
            backgroundColor: '#222',
            data: rows.map((r) => r.median),
          },
        ],
      },
      options: Object.assign(opts(axisTitle), {
        indexAxis: horizontal ? 'y' : 'x',
        scales: scales,
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              afterLabel: (ctx) => 'n = ' + rows[ctx.dataIndex].n,
            },
          },
        },
      }),
    });
  }
  data.figures.forEach((f) => {
    intervalChart(
      f.id,
      f.runtimes.map((r) => r.runtime),
      f.runtimes,
      (i) => colors[f.runtimes[i].runtime] || '#7f7f7f',
      f.unit + ' (' + f.direction + ' is better)',
      false,
      false,
    );
  });
  // Cost factors, all oriented so that right of 1 means "costs more"; log scale so 0.5x and 2x sit equally far from 1.
  document.getElementById('chart-costs').parentNode.style.height = Math.max(240, 28 * data.costs.length + 80) + 'px';
  intervalChart(
    'chart-costs',
    data.costs.map((c) => c.label),
    data.costs,
    () => '#9467bd',
    'cost factor (above 1 = costs more than the reference)',
    true,
    true,
  );
  window.twinbenchRendered = rendered;
})();
