using System.Collections.Generic;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;
using Myelin.Generator.Parsing;

namespace Myelin.Generator.Planning;

internal static partial class NetworkPlanner
{
    // Recurrent layers: the shape rules, PyTorch's tensors per direction, and the op. The algorithm every backend follows
    // is documented on RecurrentOp; the work arrays it needs are planned in PlanRecurrentArrays.
    private sealed partial class Builder
    {
        private Node? PlanRecurrent(int index, RecurrentSpec rnn, string name, string id, Node x)
        {
            if (!x.Shape.IsSequence)
            {
                string advice = x.Shape.IsImage
                    ? "an image is not a sequence: declare the network's input as [Input(steps, features)] (a one-channel image read row by row is [Input(height, width)])"
                    : x.Op < 0
                        ? "declare the network's input as [Input(steps, features)]"
                        : "declare the network's input as [Input(steps, features)], and set ReturnSequences = true on a recurrent layer that feeds this one";
                Report(DiagnosticDescriptors.NeedsSequenceInput, rnn.Location, rnn.Kind, name, x.Producer, x.Shape, advice);
                return null;
            }

            int steps = x.Shape.Steps, features = x.Shape.StepFeatures, hidden = rnn.Units;
            int gates = rnn.Cell switch
            {
                RecurrentKind.LSTM => 4,
                RecurrentKind.GRU => 3,
                _ => 1,
            };
            int directions = rnn.Bidirectional ? 2 : 1;
            long width = (long)directions * hidden;
            if (!CheckSize(rnn.Location, rnn.Kind, name, "weight_ih", (long)gates * hidden * features)
                || !CheckSize(rnn.Location, rnn.Kind, name, "weight_hh", (long)gates * hidden * hidden)
                || !CheckSize(rnn.Location, rnn.Kind, name, "one sample's output", rnn.ReturnSequences ? steps * width : width)
                || !CheckSize(rnn.Location, rnn.Kind, name, "one sample's gates over all steps", (long)steps * gates * hidden)
                || !CheckSize(rnn.Location, rnn.Kind, name, "one sample's states over all steps", (long)(steps + 1) * hidden))
                return null;

            // PyTorch's order of named_parameters: weight_ih, weight_hh, bias_ih, bias_hh, then the same with _reverse.
            var planned = new List<RecurrentDirection>();
            for (int d = 0; d < directions; d++)
            {
                string suffix = d == 0 ? "_l0" : "_l0_reverse";
                string stem = d == 0 ? "L0" : "L0Reverse";
                int Tensor(string kind, string identifierKind, int[] dims, bool bias) =>
                    AddTensor(name, id, kind + suffix, identifierKind + stem, index, dims, TensorStorage.Parameter, InitKind.Default,
                        "Recurrent", isBias: bias, fanIn: hidden, fanOut: gates * hidden);
                int weightIh = Tensor("weight_ih", "WeightIh", new[] { gates * hidden, features }, bias: false);
                int weightHh = Tensor("weight_hh", "WeightHh", new[] { gates * hidden, hidden }, bias: false);
                int biasIh = Tensor("bias_ih", "BiasIh", new[] { gates * hidden }, bias: true);
                int biasHh = Tensor("bias_hh", "BiasHh", new[] { gates * hidden }, bias: true);
                planned.Add(new RecurrentDirection(d == 1, stem, weightIh, weightHh, biasIh, biasHh));
            }

            var output = rnn.ReturnSequences ? Shape.Sequence(steps, (int)width) : Shape.Vector((int)width);
            string cell = rnn.Cell == RecurrentKind.SimpleRNN ? $"SimpleRNN ({rnn.Activation})" : rnn.Cell.ToString();
            string gateNames = rnn.Cell switch
            {
                RecurrentKind.LSTM => ", gates i, f, g, o",
                RecurrentKind.GRU => ", gates r, z, n",
                _ => "",
            };
            string reads = rnn.ReturnSequences ? "every step's state" : "the final state";
            string description = $"{name}: {cell} {features} -> {hidden} over {steps} steps{gateNames}{(rnn.Bidirectional ? ", both directions" : "")}, {reads} -> {output}";
            int value = AddValue(id + "Output", output, name);
            var op = new RecurrentOp(id, EquatableArray.Create(index), description, Reads(x), value, output, rnn.Cell, steps, features, hidden,
                rnn.ReturnSequences, planned.ToEquatableArray(), index)
                { Activation = rnn.Activation };
            var node = AddOp(op, name, index);

            int parameters = directions * gates * hidden * (features + hidden + 2);
            var settings = new List<string> { hidden.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (rnn.Cell == RecurrentKind.SimpleRNN && rnn.Activation != ActivationKind.Tanh) settings.Add(rnn.Activation.ToString());
            if (rnn.ReturnSequences) settings.Add("sequences");
            if (rnn.Bidirectional) settings.Add("bidirectional");
            AddLayer(index, name, id, rnn.Kind, $"{rnn.Kind}({string.Join(", ", settings)})", output, parameters, new[] { x },
                new LayerSettings(rnn.Activation));
            return node;
        }

        /// <summary>
        /// The batch-scaled arrays of a recurrent op (see <see cref="RecurrentOp"/>): the time-major input copy, per
        /// direction the gates of every step, the hidden states (and the LSTM's cell states and their tanh, the GRU's
        /// <c>W_hn h + b_hn</c>), and, for training, the running gradients of the state and the GRU's hidden-gate gradients.
        /// </summary>
        private static void PlanRecurrentArrays(RecurrentOp op, bool trainable, List<PlannedArray> arrays)
        {
            int layer = op.Layers[0];
            int t = op.Steps, h = op.Hidden, g = op.Gates * op.Hidden;
            string id = op.Identifier;
            string gateNames = op.Cell switch
            {
                RecurrentKind.LSTM => "i, f, g, o",
                RecurrentKind.GRU => "r, z, n",
                _ => "one block",
            };
            void Add(string field, string size, int perSample, string comment) =>
                arrays.Add(new PlannedArray(field, "float", size, perSample, comment, layer));

            Add(GeneratedNames.RecurrentInputsField(id), GeneratedNames.RecurrentInputsSize(id), t * op.Features,
                $"[{t}, batch, {op.Features}], the input time-major{(trainable ? "; in backward, dLoss/dinput time-major" : "")}");
            foreach (var direction in op.Directions)
            {
                string s = direction.Suffix;
                string zero = direction.Reverse ? $"slot {t}" : "slot 0";
                Add(GeneratedNames.RecurrentGatesField(id, s), GeneratedNames.RecurrentGatesSize(id), t * g,
                    $"[{t}, batch, {g}], {s}: gate pre-activations ({gateNames}), then {(op.Cell == RecurrentKind.SimpleRNN ? "kept" : "activations")}{(trainable ? "; in backward, dLoss/dpre-activations" : "")}");
                Add(GeneratedNames.RecurrentStatesField(id, s), GeneratedNames.RecurrentStatesSize(id), (t + 1) * h,
                    $"[{t + 1}, batch, {h}], {s}: hidden states, the zero state in {zero}");
                if (op.Cell == RecurrentKind.LSTM)
                {
                    Add(GeneratedNames.RecurrentCellsField(id, s), GeneratedNames.RecurrentStatesSize(id), (t + 1) * h,
                        $"[{t + 1}, batch, {h}], {s}: cell states, the zero state in {zero}");
                    Add(GeneratedNames.RecurrentCellTanhField(id, s), GeneratedNames.RecurrentStepsSize(id), t * h,
                        $"[{t}, batch, {h}], {s}: tanh of each step's cell state");
                }
                if (op.Cell == RecurrentKind.GRU)
                {
                    Add(GeneratedNames.RecurrentHiddenProductsField(id, s), GeneratedNames.RecurrentStepsSize(id), t * h,
                        $"[{t}, batch, {h}], {s}: W_hn h + b_hn of each step, for the gradient of r");
                    if (trainable)
                        Add(GeneratedNames.RecurrentHiddenGateGradientsField(id, s), GeneratedNames.RecurrentGatesSize(id), t * g,
                            $"[{t}, batch, {g}], {s}: dLoss/d(h W_hh^T + b_hh) of each step (r and z as the gates, n times r)");
                }
            }
            if (op.Cell == RecurrentKind.GRU)
                Add(GeneratedNames.RecurrentStepProductsField(id), GeneratedNames.RecurrentGateWidth(id), g,
                    $"[batch, {g}], h_prev . W_hh^T of the current step");
            if (!trainable) return;
            Add(GeneratedNames.RecurrentStateGradientField(id), GeneratedNames.RecurrentHiddenSize(id), h,
                $"[batch, {h}], dLoss/dh of the current step while backward runs through time");
            if (op.Cell == RecurrentKind.LSTM)
                Add(GeneratedNames.RecurrentCellGradientField(id), GeneratedNames.RecurrentHiddenSize(id), h,
                    $"[batch, {h}], dLoss/dc of the current step while backward runs through time");
        }
    }
}
