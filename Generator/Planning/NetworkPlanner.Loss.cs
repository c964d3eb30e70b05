using System.Linq;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    private sealed partial class Builder
    {
        /// <summary>
        /// Attaches the loss to the network's output. Cross-entropy absorbs a trailing softmax and binary cross-entropy a
        /// trailing sigmoid: the forward pass still produces probabilities, but the loss differentiates from the logits
        /// (probabilities minus targets), so no softmax Jacobian is ever formed. The output op is the last op: every
        /// live op reaches it, so it comes last in source order.
        /// </summary>
        private LossPlan? PlanLoss(Node output, ref int outputValue)
        {
            var kind = _spec.Loss;
            var shape = output.Shape;
            var activation = _ops[_ops.Count - 1].Activation;
            string lastName = output.Producer;
            var location = _spec.NetworkLocation;
            switch (kind)
            {
                case LossKind.SoftmaxCrossEntropy:
                    if (!shape.IsVector)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it needs a 1-D output of class scores, but the output is {shape}; add [Flatten]");
                        return null;
                    }
                    if (shape.Size < 2)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, "it needs at least 2 classes, but the output has 1; use Loss.BinaryCrossEntropy for a single logit");
                        return null;
                    }
                    if (activation == ActivationKind.Softmax) return Absorb(kind, output, ref outputValue);
                    if (activation != ActivationKind.None)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it expects logits or a Softmax, but the output goes through {activation}");
                        return null;
                    }
                    break;
                case LossKind.BinaryCrossEntropy:
                    if (activation == ActivationKind.Softmax)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it needs independent logits, one per binary label, but Softmax couples the {shape.Size} outputs into one multi-class distribution; use Loss.SoftmaxCrossEntropy");
                        return null;
                    }
                    if (activation == ActivationKind.Sigmoid) return Absorb(kind, output, ref outputValue);
                    if (activation != ActivationKind.None)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it expects logits or a Sigmoid, but the output goes through {activation}");
                        return null;
                    }
                    break;
            }
            NoteUnabsorbedSoftmax(kind);
            return new LossPlan(kind, outputValue, ActivationKind.None);
        }

        /// <summary>Marks the final activation as absorbed, splitting it out of a fused epilogue first when needed.</summary>
        private LossPlan Absorb(LossKind kind, Node output, ref int outputValue)
        {
            int lastIndex = _ops.Count - 1;
            var last = _ops[lastIndex];
            if (last is not ActivationOp)
            {
                // e.g. Dense(1, Sigmoid) with binary cross-entropy: the dense op now writes logits to a value of its own,
                // and a separate, absorbed sigmoid writes the probabilities into the op's former output value.
                var old = _values[last.Output];
                int logits = AddValue(last.Identifier + "Logits", old.Shape, old.Producer);
                var activation = last.Activation;
                string plainDescription = last.Description.Replace(", " + activation, "");
                _ops[lastIndex] = last with { Output = logits, Activation = ActivationKind.None, NegativeSlope = 0f, Description = plainDescription };
                _ops.Add(new ActivationOp(last.Identifier + activation, last.Layers, $"{output.Producer}: {activation}",
                    EquatableArray.Create(new PlannedInput(logits, old.Shape, Accumulate: false)), last.Output, output.Shape, AbsorbedByLoss: true)
                    { Activation = activation });
                lastIndex++;
            }
            var op = (ActivationOp)_ops[lastIndex];
            _ops[lastIndex] = op with { AbsorbedByLoss = true, Description = op.Description + $" (absorbed by {kind}: the gradient of the logits is probabilities minus targets)" };
            NoteUnabsorbedSoftmax(kind);
            outputValue = op.Output;
            return new LossPlan(kind, op.Input.Value, op.Activation);
        }

        private void NoteUnabsorbedSoftmax(LossKind kind)
        {
            if (kind == LossKind.None) return;
            foreach (var op in _ops)
            {
                if (op is ActivationOp { Activation: ActivationKind.Softmax, AbsorbedByLoss: false } softmax)
                {
                    int layer = softmax.Layers[0];
                    Note(DiagnosticDescriptors.SoftmaxJacobian, Specs[layer].Location, _layers[layer]!.Name);
                }
            }
        }
    }
}
