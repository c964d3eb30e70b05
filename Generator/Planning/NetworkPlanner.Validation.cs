using System;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // Each layer's own settings, checked on their own: they depend on no other layer, so every layer is checked and
    // every mistake reported in one build.
    private sealed partial class Builder
    {
        /// <summary>Checks a layer's own values; reports each problem and returns whether all are valid.</summary>
        private bool Validate(LayerSpec layer, string name) => layer switch
        {
            DenseSpec dense => CheckPositive(dense, name, "units", dense.Units)
                & CheckActivation(dense, name, dense.Activation, dense.NegativeSlope)
                & CheckInit(dense, name, "WeightInit", dense.WeightInit)
                & CheckInit(dense, name, "BiasInit", dense.BiasInit),
            ActivationSpec activation => CheckActivation(activation, name, activation.Activation, activation.NegativeSlope),
            Conv2DSpec conv => ValidateConv2D(conv, name),
            PoolSpec pool => pool.Pool == PoolKind.GlobalAverage
                || (CheckPositive(pool, name, "kernel size", pool.KernelSize) & (pool.Stride >= 0 || CheckPositive(pool, name, "stride", pool.Stride))),
            DropoutSpec dropout => ValidateDropout(dropout, name),
            BatchNormSpec norm => ValidateBatchNorm(norm, name),
            AddSpec add => CheckActivation(add, name, add.Activation, add.NegativeSlope) && CheckElementwise(add, name, add.Activation),
            RecurrentSpec recurrent => ValidateRecurrent(recurrent, name),
            FlattenSpec or ConcatSpec => true,
            _ => throw new InvalidOperationException("No planner for layer kind " + layer.Kind),
        };

        private bool ValidateConv2D(Conv2DSpec conv, string name)
        {
            bool ok = CheckPositive(conv, name, "filters", conv.Filters)
                & CheckPositive(conv, name, "kernel size", conv.KernelSize)
                & CheckPositive(conv, name, "stride", conv.Stride)
                & CheckActivation(conv, name, conv.Activation, conv.NegativeSlope)
                & CheckInit(conv, name, "WeightInit", conv.WeightInit)
                & CheckInit(conv, name, "BiasInit", conv.BiasInit);
            if (!Enum.IsDefined(typeof(PaddingKind), conv.Padding))
            {
                Report(DiagnosticDescriptors.UnknownEnumValue, conv.Location, conv.Kind, name, $"Padding = {(int)conv.Padding}", "Padding");
                ok = false;
            }
            if (conv.PaddingSize < 0)
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, conv.Location, conv.Kind, name, "PaddingSize", ">= 0", conv.PaddingSize);
                ok = false;
            }
            if (ok && conv.Padding == PaddingKind.Same && conv.PaddingSize > 0)
            {
                Report(DiagnosticDescriptors.PaddingConflict, conv.Location, name, conv.PaddingSize);
                ok = false;
            }
            if (ok && conv.Padding == PaddingKind.Same && conv.Stride != 1)
            {
                Report(DiagnosticDescriptors.SamePaddingWithStride, conv.Location, name, conv.Stride);
                ok = false;
            }
            return ok & CheckElementwise(conv, name, conv.Activation);
        }

        private bool ValidateRecurrent(RecurrentSpec recurrent, string name)
        {
            bool ok = CheckPositive(recurrent, name, "units", recurrent.Units);
            if (recurrent.Cell != RecurrentKind.SimpleRNN) return ok;
            if (!CheckActivation(recurrent, name, recurrent.Activation, 0f)) return false;
            if (recurrent.Activation is ActivationKind.Tanh or ActivationKind.ReLU) return ok;
            Report(DiagnosticDescriptors.ValueOutOfRange, recurrent.Location, recurrent.Kind, name, "the activation",
                "Tanh or ReLU (PyTorch's nonlinearity)", recurrent.Activation);
            return false;
        }

        private bool ValidateDropout(DropoutSpec dropout, string name)
        {
            if (dropout.Rate >= 0f && dropout.Rate < 1f) return true;
            Report(DiagnosticDescriptors.ValueOutOfRange, dropout.Location, dropout.Kind, name, "the rate", "in [0, 1)", dropout.Rate);
            return false;
        }

        private bool ValidateBatchNorm(BatchNormSpec norm, string name)
        {
            bool ok = true;
            if (!(norm.Momentum >= 0f && norm.Momentum <= 1f))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, norm.Location, norm.Kind, name, "Momentum", "in [0, 1]", norm.Momentum);
                ok = false;
            }
            if (!(norm.Epsilon > 0f && !float.IsInfinity(norm.Epsilon)))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, norm.Location, norm.Kind, name, "Epsilon", "a finite number > 0", norm.Epsilon);
                ok = false;
            }
            return ok;
        }

        private bool CheckPositive(LayerSpec layer, string name, string what, int value)
        {
            if (value > 0) return true;
            Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Kind, name, what, value);
            return false;
        }

        private bool CheckActivation(LayerSpec layer, string name, ActivationKind activation, float negativeSlope)
        {
            if (!Enum.IsDefined(typeof(ActivationKind), activation))
            {
                Report(DiagnosticDescriptors.UnknownEnumValue, layer.Location, layer.Kind, name, $"activation {(int)activation}", "Activation");
                return false;
            }
            if (activation == ActivationKind.LeakyReLU && !(negativeSlope >= 0f && !float.IsInfinity(negativeSlope)))
            {
                Report(DiagnosticDescriptors.ValueOutOfRange, layer.Location, layer.Kind, name, "NegativeSlope", "a finite number >= 0", negativeSlope);
                return false;
            }
            return true;
        }

        /// <summary>Softmax is not element-wise: it cannot end a convolution or a sum, which may be images.</summary>
        private bool CheckElementwise(LayerSpec layer, string name, ActivationKind activation)
        {
            if (activation != ActivationKind.Softmax) return true;
            string advice = layer is Conv2DSpec
                ? "element-wise (Softmax needs a 1-D output: add [Flatten] and a [Softmax] layer after it)"
                : "element-wise (add a [Softmax] layer after it)";
            Report(DiagnosticDescriptors.ValueOutOfRange, layer.Location, layer.Kind, name, "the activation", advice, "Softmax");
            return false;
        }

        private bool CheckInit(LayerSpec layer, string name, string what, InitKind init)
        {
            if (Enum.IsDefined(typeof(InitKind), init)) return true;
            Report(DiagnosticDescriptors.UnknownEnumValue, layer.Location, layer.Kind, name, $"{what} = {(int)init}", "Init");
            return false;
        }
    }
}
