namespace Myelin.Generator.Tests.Reference;

/// <summary>
/// Known answers for the recurrent cells: one hidden unit, one feature, two steps, every weight set, MSE against a
/// target. The expected numbers were worked out apart from both implementations, with PyTorch's formulas written out
/// in scalar Python (gradients by central differences, h = 1e-6, accurate to about 1e-9), and are checked against the
/// generated network and the reference with the tolerance of <see cref="KnownAnswerTests"/>.
/// </summary>
public sealed partial class KnownAnswerTests
{
    private static readonly RefNetwork SimpleRnn = new("SimpleRnnKnown", Loss.MeanSquaredError, new[] { 2, 1 }, new RefLayer[] { new RefRecurrent(RefCell.SimpleRNN, 1) });
    private static readonly RefNetwork Lstm = new("LstmKnown", Loss.MeanSquaredError, new[] { 2, 1 }, new RefLayer[] { new RefRecurrent(RefCell.LSTM, 1) });
    private static readonly RefNetwork Gru = new("GruKnown", Loss.MeanSquaredError, new[] { 2, 1 }, new RefLayer[] { new RefRecurrent(RefCell.GRU, 1) });
    private static readonly RefNetwork BidirectionalRnn = new("BidirectionalKnown", Loss.MeanSquaredError, new[] { 2, 1 },
        new RefLayer[] { new RefRecurrent(RefCell.SimpleRNN, 1, ReturnSequences: true, Bidirectional: true), new RefFlatten() });

    private static RefNetwork[] Recurrent => new[] { SimpleRnn, Lstm, Gru, BidirectionalRnn };

    [Fact]
    public void A_tanh_RNN_over_two_steps_gives_hand_computed_outputs_loss_and_gradients_through_time()
    {
        // h1 = tanh(0.5 * 1 + 0.1 + 0.2) = tanh(0.8); h2 = tanh(0.5 * 2 + 0.3 - h1) = 0.56214; loss h2^2.
        var r = Run(SimpleRnn, new[]
        {
            ("rnn1.weight_ih_l0", new[] { 0.5f }), ("rnn1.weight_hh_l0", new[] { -1f }),
            ("rnn1.bias_ih_l0", new[] { 0.1f }), ("rnn1.bias_hh_l0", new[] { 0.2f }),
        }, new[] { 1f, 2f }, 1);
        ExpectOutputs(r, 0.5621446952832613);
        ExpectLoss(r, 0.31600665843511067);
        ExpectGradient(r, "rnn1.weight_ih_l0", 1.1080958804698948);
        ExpectGradient(r, "rnn1.weight_hh_l0", 0.5106485640171687);
        ExpectGradient(r, "rnn1.bias_ih_l0", 0.3390894233179509);
        ExpectGradient(r, "rnn1.bias_hh_l0", 0.3390894233179509);
    }

    [Fact]
    public void An_LSTM_with_gates_in_PyTorch_order_i_f_g_o_gives_hand_computed_outputs_and_gradients()
    {
        // z = W_ih x + b_ih + W_hh h + b_hh per gate block i, f, g, o; c = sigma(z_f) c + sigma(z_i) tanh(z_g);
        // h = sigma(z_o) tanh(c). Inputs 1, -2, target 0.5. Each block has its own weights, so a swapped order fails.
        var r = Run(Lstm, new[]
        {
            ("lstm1.weight_ih_l0", new[] { 0.5f, -0.25f, 1f, 0.75f }), ("lstm1.weight_hh_l0", new[] { 0.25f, 0.5f, -0.5f, 1f }),
            ("lstm1.bias_ih_l0", new[] { 0.1f, 0.2f, -0.1f, 0f }), ("lstm1.bias_hh_l0", new[] { 0f, 0.5f, 0.2f, -0.25f }),
        }, new[] { 1f, -2f }, 1, targets: new[] { 0.5f });
        ExpectOutputs(r, 0.02182178221147942);
        ExpectLoss(r, 0.22865440796740583);
        ExpectGradient(r, "lstm1.weight_ih_l0", -0.10038151747326918, 0.03023525381451453, -0.027404804661679272, 0.032319104281697264);
        ExpectGradient(r, "lstm1.weight_hh_l0", 0.010828374502613869, -0.004472276535216757, -0.0010366648373061338, -0.005004752029469373);
        ExpectGradient(r, "lstm1.bias_ih_l0", 0.009427877131762408, -0.015117626928073946, -0.037917512449303636, -0.018433553697350114);
        ExpectGradient(r, "lstm1.bias_hh_l0", 0.009427877131762408, -0.015117626928073946, -0.037917512449303636, -0.018433553697350114);
    }

    [Fact]
    public void A_GRU_keeps_b_hn_inside_the_reset_gate_as_PyTorch_does()
    {
        // r = sigma(a_r + h_r), z = sigma(a_z + h_z), n = tanh(a_n + r (W_hn h + b_hn)), h = (1 - z) n + z h_prev.
        // Because b_hn is multiplied by r, its gradient (-0.00799) differs from b_in's (-0.01272): a GRU that added
        // b_hn outside r would give them equal.
        var r = Run(Gru, new[]
        {
            ("gru1.weight_ih_l0", new[] { 0.5f, -0.75f, 1f }), ("gru1.weight_hh_l0", new[] { 0.25f, 0.5f, -1.5f }),
            ("gru1.bias_ih_l0", new[] { 0.1f, -0.2f, 0.3f }), ("gru1.bias_hh_l0", new[] { 0.2f, 0.1f, 0.75f }),
        }, new[] { 1f, -2f }, 1, targets: new[] { 0.5f });
        ExpectOutputs(r, 0.42250467189159846);
        ExpectLoss(r, 0.00600552587862881);
        ExpectGradient(r, "gru1.weight_ih_l0", -0.0019287587291194619, 0.09285223404303239, -0.005358352511263681);
        ExpectGradient(r, "gru1.weight_hh_l0", 9.373854947467009e-05, -0.021183306689927933, -0.0006024593619119445);
        ExpectGradient(r, "gru1.bias_ih_l0", -0.0015055908399348727, -0.0027764624111088765, -0.012716542792303581);
        ExpectGradient(r, "gru1.bias_hh_l0", -0.0015055908399348727, -0.0027764624111088765, -0.00798833806308491);
    }

    [Fact]
    public void A_bidirectional_RNN_returning_sequences_puts_each_step_forward_state_then_reverse_state()
    {
        // Forward: h1 = tanh(1), h2 = tanh(2 + 0.5 h1). Reverse, from the last step: g2 = tanh(-2 + 0.5),
        // g1 = tanh(-1 + 0.5 + 0.25 g2). Output per step t: [h_t, g_t] -> [h1, g1, h2, g2].
        var r = Run(BidirectionalRnn, new[]
        {
            ("rnn1.weight_ih_l0", new[] { 1f }), ("rnn1.weight_hh_l0", new[] { 0.5f }),
            ("rnn1.weight_ih_l0_reverse", new[] { -1f }), ("rnn1.weight_hh_l0_reverse", new[] { 0.25f }), ("rnn1.bias_ih_l0_reverse", new[] { 0.5f }),
        }, new[] { 1f, 2f }, 1);
        ExpectOutputs(r, 0.7615941559557649, -0.6207885570184513, 0.9830411011980433, -0.9051482536448664);
        ExpectLoss(r, 0.6877668146580095);
        ExpectGradient(r, "rnn1.weight_ih_l0", 0.19645593790640348);
        ExpectGradient(r, "rnn1.weight_hh_l0", 0.012589098985493763);
        ExpectGradient(r, "rnn1.bias_hh_l0", 0.17992600676031145);
        ExpectGradient(r, "rnn1.weight_ih_l0_reverse", -0.37157847282420775);
        ExpectGradient(r, "rnn1.weight_hh_l0_reverse", 0.17267967433731712);
        ExpectGradient(r, "rnn1.bias_ih_l0_reverse", -0.2811767454424796);
    }
}
