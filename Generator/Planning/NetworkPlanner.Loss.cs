using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    private sealed partial class Builder
    {
        /// <summary>
        /// Attaches the loss to the end of the plan. Cross-entropy absorbs a trailing softmax and binary cross-entropy a
        /// trailing sigmoid: the forward pass still produces probabilities, but the loss differentiates from the logits
        /// (probabilities minus targets), so no softmax Jacobian is ever formed.
        /// </summary>
        private LossPlan? PlanLoss()
        {
            var kind = _spec.Loss;
            var last = _ops.Count > 0 ? _ops[_ops.Count - 1] : null;
            var activation = last switch
            {
                ActivationOp a => a.Activation,
                DenseOp d => d.Activation,
                Conv2DOp c => c.Activation,
                BatchNormOp b => b.Activation,
                _ => ActivationKind.None,
            };
            string lastName = _producer;
            var location = _spec.NetworkLocation;
            switch (kind)
            {
                case LossKind.SoftmaxCrossEntropy:
                    if (!_shape.IsVector)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it needs a 1-D output of class scores, but the output is {_shape}; add [Flatten]");
                        return null;
                    }
                    if (_shape.Size < 2)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, "it needs at least 2 classes, but the output has 1; use Loss.BinaryCrossEntropy for a single logit");
                        return null;
                    }
                    if (activation == ActivationKind.Softmax) return Absorb(kind);
                    if (activation != ActivationKind.None)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it expects logits or a Softmax, but the output goes through {activation}");
                        return null;
                    }
                    break;
                case LossKind.BinaryCrossEntropy:
                    if (activation == ActivationKind.Softmax)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it needs independent logits, one per binary label, but Softmax couples the {_shape.Size} outputs into one multi-class distribution; use Loss.SoftmaxCrossEntropy");
                        return null;
                    }
                    if (activation == ActivationKind.Sigmoid) return Absorb(kind);
                    if (activation != ActivationKind.None)
                    {
                        Report(DiagnosticDescriptors.LossOutputMismatch, location, kind, lastName, $"it expects logits or a Sigmoid, but the output goes through {activation}");
                        return null;
                    }
                    break;
            }
            NoteUnabsorbedSoftmax(kind);
            return new LossPlan(kind, _buffer, ActivationKind.None);
        }

        /// <summary>Marks the final activation as absorbed, splitting it out of a fused epilogue first when needed.</summary>
        private LossPlan Absorb(LossKind kind)
        {
            int lastIndex = _ops.Count - 1;
            var last = _ops[lastIndex];
            if (last is not ActivationOp)
            {
                // e.g. Dense(1, Sigmoid) with binary cross-entropy: the dense op now writes logits to a buffer of its own
                // and a separate, absorbed sigmoid writes the probabilities into the op's former output buffer.
                int output = last.Output;
                var old = _buffers[output];
                _buffers.Add(new PlannedBuffer(last.Identifier + "Logits", old.Shape, old.Producer));
                int logits = _buffers.Count - 1;
                var activation = last switch
                {
                    DenseOp d => d.Activation,
                    Conv2DOp c => c.Activation,
                    BatchNormOp b => b.Activation,
                    _ => ActivationKind.None,
                };
                string plainDescription = last.Description.Replace(", " + activation, "");
                _ops[lastIndex] = last switch
                {
                    DenseOp d => d with { Output = logits, Activation = ActivationKind.None, Description = plainDescription },
                    Conv2DOp c => c with { Output = logits, Activation = ActivationKind.None, Description = plainDescription },
                    BatchNormOp b => b with { Output = logits, Activation = ActivationKind.None, Description = plainDescription },
                    _ => last,
                };
                string name = _layers.Count > 0 ? _producer : last.Identifier;
                _ops.Add(new ActivationOp(last.Identifier + activation, last.Layers, $"{name}: {activation}", logits, output,
                    _shape, _shape, activation, 0f, AbsorbedByLoss: true));
                lastIndex++;
            }
            var op = (ActivationOp)_ops[lastIndex];
            _ops[lastIndex] = op with { AbsorbedByLoss = true, Description = op.Description + $" (absorbed by {kind}: the gradient of the logits is probabilities minus targets)" };
            NoteUnabsorbedSoftmax(kind);
            return new LossPlan(kind, op.Input, op.Activation);
        }

        private void NoteUnabsorbedSoftmax(LossKind kind)
        {
            if (kind == LossKind.None) return;
            for (int i = 0; i < _ops.Count; i++)
            {
                if (_ops[i] is ActivationOp { Activation: ActivationKind.Softmax, AbsorbedByLoss: false } softmax)
                {
                    string name = _layers[softmax.Layers[0]].Name;
                    Note(DiagnosticDescriptors.SoftmaxJacobian, _spec.Layers[softmax.Layers[0]].Location, name);
                }
            }
        }
    }
}
