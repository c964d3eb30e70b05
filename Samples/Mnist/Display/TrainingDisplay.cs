using System;
using System.Globalization;
using Myelin.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Myelin.Samples.Mnist.Display;

/// <summary>
/// Shows a <see cref="Trainer.Fit"/> run as it goes: a live Spectre progress bar per epoch on an interactive terminal,
/// or one plain line per epoch when the output is redirected (CI, a pipe, a test console). Pass the display as
/// <see cref="FitOptions.Progress"/>, add <see cref="EpochEnd"/> to <see cref="FitOptions.Callbacks"/>, and call Fit
/// inside <see cref="Run"/>.
/// </summary>
internal abstract class TrainingDisplay : IProgress<BatchProgress>
{
    // Row widths: description 11, bar 20, batches 7, throughput 17 (or 9), time 8, spaces 5, then the metrics, which
    // are 54 characters in full, 26 as "loss val_acc", 14 as "val_acc".
    private const int WideWidth = 124, MediumWidth = 96;

    /// <summary>The display that fits <paramref name="console"/>: live when it is interactive, plain otherwise.</summary>
    /// <param name="console">Where to write.</param>
    /// <param name="label">Prefix of each epoch's line, e.g. "Epoch" or "Fine-tune".</param>
    public static TrainingDisplay For(IAnsiConsole console, string label = "Epoch") =>
        console.Profile.Capabilities.Interactive ? new Live(console, label) : new Plain(console, label);

    /// <summary>The callback that reports each finished epoch; add it to <see cref="FitOptions.Callbacks"/>.</summary>
    public abstract Callback EpochEnd { get; }

    /// <summary>Runs <paramref name="fit"/> with the display active and returns its history.</summary>
    public abstract History Run(Func<History> fit);

    /// <inheritdoc />
    public abstract void Report(BatchProgress value);

    /// <summary>
    /// "loss 0.1234  accuracy 96.41%  val_loss 0.1500  val_accuracy 95.60%" for a finished epoch; <paramref name="compact"/>
    /// writes "acc" for "accuracy" so that the live row fits an 120-column terminal.
    /// </summary>
    internal static string Metrics(EpochResult result, bool compact = false)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        foreach (var (key, value) in result.Metrics)
        {
            if (text.Length > 0) text.Append(compact ? " " : "  ");
            text.Append(compact ? key.Replace("accuracy", "acc", StringComparison.Ordinal) : key).Append(' ');
            text.Append(key.EndsWith("accuracy", StringComparison.Ordinal) ? (value * 100).ToString("0.00", c) + "%" : value.ToString("0.0000", c));
        }
        return text.ToString();
    }

    /// <summary>One line per epoch, written when the epoch (and its validation) is done.</summary>
    private sealed class Plain(IAnsiConsole console, string label) : TrainingDisplay
    {
        private readonly EpochLine _callback = new(console, label);

        public override Callback EpochEnd => _callback;

        public override History Run(Func<History> fit) => fit();

        // Per-batch progress is not shown: a redirected log should not fill with hundreds of lines per epoch.
        public override void Report(BatchProgress value) { }

        private sealed class EpochLine(IAnsiConsole console, string label) : Callback
        {
            public override void OnEpochEnd(EpochResult result, TrainingContext context)
            {
                var c = CultureInfo.InvariantCulture;
                int width = context.Epochs.ToString(c).Length;
                console.WriteLine(string.Create(c,
                    $"{label} {result.Epoch.ToString(c).PadLeft(width)}/{context.Epochs}  {Metrics(result)}  {result.Duration.TotalSeconds:0.00} s  {result.SamplesPerSecond:N0} samples/s"));
            }
        }
    }

    /// <summary>A Spectre progress bar per epoch: batches done/total, running loss, samples/s and the epoch's ETA.</summary>
    private sealed class Live : TrainingDisplay
    {
        private readonly IAnsiConsole _console;
        private readonly string _label;
        private readonly FinishedEpoch _callback;
        private ProgressContext? _context;
        private ProgressTask? _task;
        private int _taskEpoch;

        public Live(IAnsiConsole console, string label)
        {
            _console = console;
            _label = label;
            _callback = new FinishedEpoch(this);
        }

        public override Callback EpochEnd => _callback;

        public override History Run(Func<History> fit) => _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 20 },
                new BatchColumn(),
                new ThroughputColumn(),
                new EtaColumn(),
                new MetricsColumn())
            .Start(context =>
            {
                _context = context;
                var history = fit();
                // A cancelled run leaves its last epoch part-done; say so on its row rather than leave a frozen bar.
                if (_task is { IsFinished: false } interrupted)
                {
                    ((EpochRow)interrupted.Tag!).Interrupt();
                    interrupted.StopTask();
                }
                return history;
            });

        // Called on the training thread after every batch; the refresh thread reads the row under its lock.
        public override void Report(BatchProgress value)
        {
            if (_context is null) return;
            if (_task is null || _taskEpoch != value.Epoch)
            {
                int width = value.Epochs.ToString(CultureInfo.InvariantCulture).Length;
                _task = _context.AddTask($"{_label} {value.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{value.Epochs}", maxValue: value.Batches);
                _task.Tag = new EpochRow();
                _taskEpoch = value.Epoch;
            }
            ((EpochRow)_task.Tag!).Update(value);
            _task.Value = value.Batch;
        }

        private sealed class FinishedEpoch(Live display) : Callback
        {
            public override void OnEpochEnd(EpochResult result, TrainingContext context)
            {
                if (display._task is not { } task) return;
                ((EpochRow)task.Tag!).Finish(result);
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }

    /// <summary>What one epoch's row shows: the latest batch progress, and the epoch's results once it is done.</summary>
    private sealed class EpochRow
    {
        private readonly object _gate = new();
        private BatchProgress _progress;
        private EpochResult? _result;
        private bool _interrupted;

        public void Update(BatchProgress progress)
        {
            lock (_gate) _progress = progress;
        }

        public void Finish(EpochResult result)
        {
            lock (_gate) _result = result;
        }

        /// <summary>Marks the epoch as cut short by a cancellation.</summary>
        public void Interrupt()
        {
            lock (_gate) _interrupted = true;
        }

        public (BatchProgress Progress, EpochResult? Result, bool Interrupted) Read()
        {
            lock (_gate) return (_progress, _result, _interrupted);
        }

        public static (BatchProgress Progress, EpochResult? Result, bool Interrupted) Of(ProgressTask task) =>
            task.Tag is EpochRow row ? row.Read() : (default, null, false);
    }

    /// <summary>"120/250" batches.</summary>
    private sealed class BatchColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (progress, _, _) = EpochRow.Of(task);
            int width = progress.Batches.ToString(CultureInfo.InvariantCulture).Length;
            return new Text(string.Create(CultureInfo.InvariantCulture, $"{progress.Batch.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{progress.Batches}"));
        }
    }

    /// <summary>Training samples per second so far in the epoch.</summary>
    private sealed class ThroughputColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (progress, result, _) = EpochRow.Of(task);
            double speed = result?.SamplesPerSecond ?? progress.SamplesPerSecond;
            string unit = options.ConsoleSize.Width >= MediumWidth ? " samples/s" : "/s";
            return new Text(string.Create(CultureInfo.InvariantCulture, $"{speed,7:N0}{unit}"), new Style(Color.Grey));
        }
    }

    /// <summary>The epoch's remaining time while it runs (from the mean batch time so far), its duration once done.</summary>
    private sealed class EtaColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (progress, result, interrupted) = EpochRow.Of(task);
            if (interrupted) return new Text("");
            string text = result is not null
                ? string.Create(CultureInfo.InvariantCulture, $"{result.Duration.TotalSeconds,5:0.0} s ")
                : string.Create(CultureInfo.InvariantCulture, $"ETA {progress.EpochRemaining:m\\:ss}");
            return new Text(text, new Style(Color.Blue));
        }
    }

    /// <summary>The running loss while the epoch trains; its training and validation metrics once done.</summary>
    private sealed class MetricsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (progress, result, interrupted) = EpochRow.Of(task);
            if (interrupted) return new Text(string.Create(CultureInfo.InvariantCulture, $"interrupted, loss {progress.Loss:0.0000}"), new Style(Color.Yellow));
            if (result is null) return new Text(string.Create(CultureInfo.InvariantCulture, $"loss {progress.Loss:0.0000}"));
            // A wrapped row breaks the live display, so narrower terminals get fewer metrics (the final table has them all).
            var c = CultureInfo.InvariantCulture;
            string validation = result.Metrics.TryGetValue("val_accuracy", out double accuracy) ? string.Create(c, $"val_acc {accuracy * 100:0.00}%") : "";
            string text = options.ConsoleSize.Width >= WideWidth ? Metrics(result, compact: true)
                : options.ConsoleSize.Width >= MediumWidth ? string.Create(c, $"loss {result.Loss:0.0000} {validation}")
                : validation;
            return new Text(text, new Style(Color.Green));
        }
    }
}
