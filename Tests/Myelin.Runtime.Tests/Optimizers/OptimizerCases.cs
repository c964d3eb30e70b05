using Myelin.Optimizers;

namespace Myelin.Tests.Optimizers;

/// <summary>Every optimizer in every option combination the tests exercise, by a readable name.</summary>
internal static class OptimizerCases
{
    private static readonly Dictionary<string, Func<Optimizer>> Factories = new()
    {
        ["SGD"] = () => new Sgd(lr: 0.1),
        ["SGD weight decay"] = () => new Sgd(lr: 0.1, weightDecay: 0.01),
        ["SGD momentum"] = () => new Sgd(lr: 0.05, momentum: 0.9),
        ["SGD momentum, dampening, weight decay"] = () => new Sgd(lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01),
        ["SGD Nesterov, weight decay"] = () => new Sgd(lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true),
        ["Adam"] = () => new Adam(lr: 0.01),
        ["Adam weight decay"] = () => new Adam(lr: 0.01, weightDecay: 0.1),
        ["Adam AMSGrad"] = () => new Adam(lr: 0.01, amsgrad: true),
        // beta1 = 0.3 makes PyTorch's lerp weight 0.7, which takes lerp's other branch.
        ["Adam AMSGrad, weight decay, beta1 0.3"] = () => new Adam(lr: 0.01, beta1: 0.3, weightDecay: 0.05, amsgrad: true),
        ["Adam eps 1e-3, beta2 0.9"] = () => new Adam(lr: 0.02, beta2: 0.9, eps: 1e-3),
        ["AdamW"] = () => new AdamW(lr: 0.01),
        ["AdamW AMSGrad, weight decay 0.1"] = () => new AdamW(lr: 0.01, weightDecay: 0.1, amsgrad: true),
        ["AdamW beta1 0.2"] = () => new AdamW(lr: 0.01, beta1: 0.2),
        ["RMSprop"] = () => new RmsProp(),
        ["RMSprop weight decay"] = () => new RmsProp(weightDecay: 0.01),
        ["RMSprop centered"] = () => new RmsProp(centered: true),
        ["RMSprop momentum"] = () => new RmsProp(lr: 0.005, momentum: 0.9),
        ["RMSprop centered, momentum, weight decay"] = () => new RmsProp(lr: 0.005, momentum: 0.5, weightDecay: 0.01, centered: true),
        // alpha = 0.4 makes the lerp weight of grad_avg 0.6, which takes lerp's other branch.
        ["RMSprop centered, alpha 0.4"] = () => new RmsProp(alpha: 0.4, centered: true),
    };

    public static TheoryData<string> Names => new(Factories.Keys);

    public static Optimizer Create(string name) => Factories[name]();
}
