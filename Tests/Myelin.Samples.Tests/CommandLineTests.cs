using Myelin.Samples.Mnist.Cli;
using Myelin.Samples.Mnist.Commands;

namespace Myelin.Samples.Tests;

public class CommandLineTests
{
    private static T Parse<T>(params string[] args) where T : CommandOptions
    {
        var invocation = CommandLine.Parse(args);
        Assert.False(invocation.ShowHelp);
        return Assert.IsType<T>(invocation.Options);
    }

    private static UsageException ParseFails(params string[] args) => Assert.Throws<UsageException>(() => CommandLine.Parse(args));

    [Fact]
    public void No_arguments_mean_train_with_the_documented_defaults()
    {
        var options = Parse<TrainOptions>();

        Assert.Equal(new TrainOptions(
            Model: "mlp", Epochs: 10, BatchSize: 32, Optimizer: "adam", LearningRate: 1e-3, Momentum: 0, WeightDecay: 0, Seed: 1,
            SavePath: null, PlotPath: null, DataDirectory: null, EarlyStoppingPatience: null, Normalize: true), options);
    }

    [Fact]
    public void Train_named_explicitly_has_the_same_defaults_as_no_arguments()
    {
        Assert.Equal(Parse<TrainOptions>(), Parse<TrainOptions>("train"));
    }

    [Fact]
    public void Options_without_a_command_belong_to_train()
    {
        Assert.Equal(3, Parse<TrainOptions>("--epochs", "3").Epochs);
    }

    [Fact]
    public void Every_train_option_is_read()
    {
        var options = Parse<TrainOptions>(
            "train", "--model", "lenet", "--epochs", "7", "--batch", "64", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.8",
            "--weight-decay", "5e-4", "--seed", "42", "--save", "m.safetensors", "--plot", "c.png", "--data", "mnist-dir",
            "--early-stopping", "3", "--no-normalize");

        Assert.Equal(new TrainOptions(
            Model: "lenet", Epochs: 7, BatchSize: 64, Optimizer: "sgd", LearningRate: 0.05, Momentum: 0.8, WeightDecay: 5e-4, Seed: 42,
            SavePath: "m.safetensors", PlotPath: "c.png", DataDirectory: "mnist-dir", EarlyStoppingPatience: 3, Normalize: false), options);
    }

    [Theory]
    [InlineData(new[] { "--model", "mlp" }, "constant")]
    [InlineData(new[] { "--model", "resnet" }, "cosine")]
    [InlineData(new[] { "--model", "resnet", "--schedule", "constant" }, "constant")]
    [InlineData(new[] { "--model", "cnn", "--schedule", "cosine" }, "cosine")]
    public void The_schedule_defaults_per_model_and_can_be_chosen(string[] args, string schedule) =>
        Assert.Equal(schedule, Parse<TrainOptions>(args).Schedule);

    [Theory]
    [InlineData(new[] { "--model", "mlp" }, true)]
    [InlineData(new[] { "--model", "mlp", "--no-normalize" }, false)]
    [InlineData(new[] { "--model", "lstm" }, false)]
    [InlineData(new[] { "--model", "gru" }, false)]
    public void The_sequence_models_read_raw_pixels_as_their_PyTorch_recipe_does(string[] args, bool normalize)
    {
        var options = Parse<TrainOptions>(args);
        Assert.Equal(normalize, options.Normalize);
        Assert.Equal(32, options.BatchSize);
    }

    [Fact]
    public void A_cosine_schedule_decays_the_learning_rate_over_the_epochs_of_the_run()
    {
        var options = Parse<TrainOptions>("--model", "resnet", "--epochs", "4", "--lr", "0.002");
        var optimizer = options.CreateOptimizer();
        var schedule = Assert.IsType<Myelin.Optimizers.CosineAnnealingLR>(options.CreateSchedule(optimizer));
        Assert.Equal(4, schedule.TMax);
        Assert.Null(Parse<TrainOptions>("--model", "mlp").CreateSchedule(optimizer));
        Assert.Contains("adam lr 0.002 cosine to 0", options.DescribeOptimizer(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_schedule_names_the_choices() =>
        Assert.Contains("'linear'", ParseFails("--schedule", "linear").Message, StringComparison.Ordinal);

    [Fact]
    public void Values_can_be_attached_with_an_equals_sign()
    {
        var options = Parse<TrainOptions>("train", "--model=cnn", "--lr=3e-4", "--seed=-5");

        Assert.Equal(("cnn", 3e-4, -5), (options.Model, options.LearningRate, options.Seed));
    }

    [Fact]
    public void Model_and_optimizer_names_ignore_case()
    {
        var options = Parse<TrainOptions>("train", "--model", "LeNet", "--optimizer", "AdamW");

        Assert.Equal(("lenet", "adamw"), (options.Model, options.Optimizer));
    }

    [Theory]
    [InlineData("sgd", 0.9, 0.0)]
    [InlineData("rmsprop", 0.0, 0.0)]
    [InlineData("adam", 0.0, 0.0)]
    [InlineData("adamw", 0.0, 0.01)]
    public void Momentum_and_weight_decay_defaults_depend_on_the_optimizer(string optimizer, double momentum, double weightDecay)
    {
        var options = Parse<TrainOptions>("train", "--optimizer", optimizer);

        Assert.Equal((momentum, weightDecay), (options.Momentum, options.WeightDecay));
    }

    [Theory]
    [InlineData("--epochs", "abc", "Invalid value 'abc' for --epochs: expected a whole number from 1 to 10,000.")]
    [InlineData("--epochs", "0", "Invalid value '0' for --epochs: expected a whole number from 1 to 10,000.")]
    [InlineData("--epochs", "2.5", "Invalid value '2.5' for --epochs: expected a whole number from 1 to 10,000.")]
    [InlineData("--batch", "-3", "Invalid value '-3' for --batch: expected a whole number from 1 to 65,536.")]
    [InlineData("--lr", "0", "Invalid value '0' for --lr: expected a number above 0, such as 1e-3.")]
    [InlineData("--lr", "fast", "Invalid value 'fast' for --lr: expected a number above 0, such as 1e-3.")]
    [InlineData("--lr", "NaN", "Invalid value 'NaN' for --lr: expected a number above 0, such as 1e-3.")]
    [InlineData("--weight-decay", "-1", "Invalid value '-1' for --weight-decay: expected a number of at least 0, such as 0.9.")]
    [InlineData("--seed", "1.5", "Invalid value '1.5' for --seed: expected a whole number.")]
    [InlineData("--early-stopping", "-1", "Invalid value '-1' for --early-stopping: expected a whole number of at least 0.")]
    [InlineData("--model", "lenett", "Unknown model 'lenett' for --model (did you mean 'lenet'?); the models are mlp, lenet, cnn, resnet, lstm, gru.")]
    [InlineData("--model", "transformer", "Unknown model 'transformer' for --model; the models are mlp, lenet, cnn, resnet, lstm, gru.")]
    [InlineData("--optimizer", "adagrad", "Unknown optimizer 'adagrad' for --optimizer; the optimizers are adam, adamw, sgd, rmsprop.")]
    [InlineData("--plot", "curves.jpg", "Invalid value 'curves.jpg' for --plot: the curves are written as a PNG, so the path must end in .png.")]
    [InlineData("--momentum", "0.9", "Option --momentum applies to sgd and rmsprop, not adam; drop it or choose --optimizer sgd.")]
    [InlineData("--save", "", "Option --save needs a non-empty value.")]
    public void A_bad_train_value_is_reported_with_the_option_and_the_value(string option, string value, string message)
    {
        Assert.Equal(message, ParseFails("train", option, value).Message);
    }

    [Fact]
    public void Momentum_of_one_or_more_is_rejected_for_sgd()
    {
        var error = ParseFails("train", "--optimizer", "sgd", "--momentum", "1");

        Assert.Equal("Invalid value '1' for --momentum: expected a number from 0 up to (not including) 1.", error.Message);
    }

    [Theory]
    [InlineData(new[] { "train", "--epochz", "3" }, "Unknown option '--epochz' for 'train' (did you mean '--epochs'?). Run 'myelin-mnist train --help' for the options.")]
    [InlineData(new[] { "train", "--colour" }, "Unknown option '--colour' for 'train'. Run 'myelin-mnist train --help' for the options.")]
    [InlineData(new[] { "train", "--lr" }, "Option --lr needs a value (RATE).")]
    [InlineData(new[] { "train", "--lr", "--epochs", "3" }, "Option --lr needs a value (RATE).")]
    [InlineData(new[] { "train", "--epochs", "1", "--epochs", "2" }, "Option --epochs is given twice; give it once.")]
    [InlineData(new[] { "train", "--no-normalize=yes" }, "Option --no-normalize is a flag and takes no value, but got 'yes'.")]
    [InlineData(new[] { "train", "lenet" }, "Unexpected argument 'lenet' for 'train': options are written --name value. Run 'myelin-mnist train --help' for the options.")]
    [InlineData(new[] { "train", "-epochs", "3" }, "Unexpected argument '-epochs' for 'train': options start with two dashes, as in '--epochs'. Run 'myelin-mnist train --help' for the options.")]
    [InlineData(new[] { "trian" }, "Unknown command 'trian' (did you mean 'train'?); the commands are train, evaluate, predict, transfer, export, quantize. Run 'myelin-mnist --help' for help.")]
    [InlineData(new[] { "serve" }, "Unknown command 'serve'; the commands are train, evaluate, predict, transfer, export, quantize. Run 'myelin-mnist --help' for help.")]
    [InlineData(new[] { "evaluate" }, "Option --load is required: the checkpoint to evaluate (written by 'train --save').")]
    [InlineData(new[] { "evaluate", "--load", "m.safetensors", "--epochs", "3" }, "Unknown option '--epochs' for 'evaluate'. Run 'myelin-mnist evaluate --help' for the options.")]
    [InlineData(new[] { "predict", "--index", "3" }, "Option --load is required: the checkpoint to predict with (written by 'train --save').")]
    [InlineData(new[] { "predict", "--load", "m.safetensors", "--index", "-1" }, "Invalid value '-1' for --index: expected a whole number of at least 0.")]
    [InlineData(new[] { "transfer", "--model", "cnn" }, "Unknown model 'cnn' for --model; the models are mlp, lenet.")]
    [InlineData(new[] { "transfer", "--samples", "-10" }, "Invalid value '-10' for --samples: expected a whole number of at least 0.")]
    [InlineData(new[] { "transfer", "--freeze", "body1,conv9" }, "Invalid value 'body1,conv9' for --freeze: 'conv9' is not a body layer of lenet; its body layers are body1, body2 (or give 'none').")]
    public void A_bad_command_line_is_reported_in_one_sentence(string[] args, string message)
    {
        Assert.Equal(message, ParseFails(args).Message);
    }

    [Fact]
    public void Evaluate_and_predict_read_their_options()
    {
        Assert.Equal(new EvaluateOptions("m.safetensors", "dir"), Parse<EvaluateOptions>("evaluate", "--load", "m.safetensors", "--data", "dir"));
        Assert.Equal(new PredictOptions("m.safetensors", 17, null), Parse<PredictOptions>("predict", "--load", "m.safetensors", "--index", "17"));
        Assert.Equal(0, Parse<PredictOptions>("predict", "--load", "m.safetensors").Index);
    }

    [Fact]
    public void Transfer_has_defaults_and_reads_every_option()
    {
        Assert.Equal(new TransferOptions("lenet", 5, 5, 200, 1, 1e-3, 1e-3, null), Parse<TransferOptions>("transfer"));

        var options = Parse<TransferOptions>(
            "transfer", "--model", "mlp", "--epochs", "2", "--finetune-epochs", "3", "--samples", "0", "--seed", "9",
            "--lr", "2e-3", "--finetune-lr", "1e-4", "--freeze", "none");

        Assert.Equal(("mlp", 2, 3, 0, 9, 2e-3, 1e-4), (options.Model, options.Epochs, options.FinetuneEpochs, options.Samples, options.Seed, options.LearningRate, options.FinetuneLearningRate));
        Assert.Empty(options.Freeze!);
        Assert.Equal(["body1"], Parse<TransferOptions>("transfer", "--model", "mlp", "--freeze", "body1").Freeze!);
    }

    [Theory]
    [InlineData(new[] { "--help" }, null)]
    [InlineData(new[] { "-h" }, null)]
    [InlineData(new[] { "help" }, null)]
    [InlineData(new[] { "help", "predict" }, "predict")]
    [InlineData(new[] { "train", "--help" }, "train")]
    [InlineData(new[] { "evaluate", "-h" }, "evaluate")]
    [InlineData(new[] { "transfer", "--samples", "10", "--help" }, "transfer")]
    public void Help_is_recognised_in_general_and_per_command(string[] args, string? command)
    {
        var invocation = CommandLine.Parse(args);

        Assert.True(invocation.ShowHelp);
        Assert.Null(invocation.Options);
        Assert.Equal(command, invocation.Command?.Name);
    }
}
