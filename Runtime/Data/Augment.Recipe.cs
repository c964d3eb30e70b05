using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Myelin.Data;

// The recipe as text, e.g. "shift=2,rotate=10,scale=0.1,elastic=34:4,erase=0.5:0.02:0.33:0.3,fill=0": what a
// command line takes and what a checkpoint's metadata records.
public sealed partial record Augment
{
    /// <summary>The text of the recipe that changes nothing.</summary>
    public const string NoneRecipe = "none";

    /// <summary>The transform names of a recipe, in the order <see cref="ToString"/> writes them.</summary>
    public static IReadOnlyList<string> RecipeNames { get; } = ["shift", "rotate", "scale", "elastic", "erase", "fill"];

    /// <summary>
    /// The recipe as <see cref="Parse"/> reads it: the families that are on, in a fixed order, as <c>name=value</c>
    /// joined by commas, with the values of a family separated by colons (<c>elastic=alpha:sigma</c>,
    /// <c>erase=probability:minArea:maxArea:minAspect</c>) and <c>fill=value</c> when it is not 0; <c>none</c> for
    /// the identity. Numbers are written to round-trip.
    /// </summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        void Add(string name, params double[] values)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(name).Append('=').AppendJoin(':', values.Select(v => v.ToString("R", c)));
        }
        if (MaxShift > 0) Add("shift", MaxShift);
        if (MaxRotation > 0) Add("rotate", MaxRotation);
        if (MaxScaleChange > 0) Add("scale", MaxScaleChange);
        if (ElasticAlpha > 0) Add("elastic", ElasticAlpha, ElasticSigma);
        if (EraseProbability > 0) Add("erase", EraseProbability, EraseMinArea, EraseMaxArea, EraseMinAspect);
        // As a float, so that the text is the value's shortest form (-0.42421296, not its double expansion).
        if (FillValue != 0) text.Append(text.Length > 0 ? "," : "").Append("fill=").Append(FillValue.ToString("R", c));
        return text.Length == 0 ? NoneRecipe : text.ToString();
    }

    /// <summary>
    /// Reads a recipe written as <see cref="ToString"/> writes it; trailing values of a family may be left out for
    /// their defaults (<c>elastic=34</c> is <c>elastic=34:4</c>, <c>erase=0.5</c> is <c>erase=0.5:0.02:0.33:0.3</c>).
    /// </summary>
    /// <param name="recipe">For example <c>shift=2,rotate=10,scale=0.1</c>, or <c>none</c>.</param>
    /// <exception cref="FormatException">A part is not <c>name=value</c>, names no transform, repeats one, or has a bad value; the message names the part.</exception>
    public static Augment Parse(string recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        string trimmed = recipe.Trim();
        if (trimmed.Length == 0) throw new FormatException($"The augmentation recipe is empty; write for example 'shift=2,rotate=10,scale=0.1', or '{NoneRecipe}'.");
        var augment = new Augment();
        if (trimmed.Equals(NoneRecipe, StringComparison.OrdinalIgnoreCase)) return augment;

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string rawPart in trimmed.Split(','))
        {
            string part = rawPart.Trim();
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string name = (equals < 0 ? part : part[..equals]).Trim().ToLowerInvariant();
            if (equals < 0 || name.Length == 0)
                throw new FormatException($"Augmentation recipe '{recipe}': '{part}' is not name=value (e.g. 'rotate=10').");
            if (!RecipeNames.Contains(name))
                throw new FormatException($"Augmentation recipe '{recipe}': unknown transform '{name}'; the transforms are {string.Join(", ", RecipeNames)}.");
            if (!seen.Add(name)) throw new FormatException($"Augmentation recipe '{recipe}': '{name}' is given twice.");
            double[] values = Numbers(recipe, part, name, part[(equals + 1)..]);
            try
            {
                augment = name switch
                {
                    "shift" => augment.Shift(WholeNumber(recipe, part, values[0])),
                    "rotate" => augment.Rotate(values[0]),
                    "scale" => augment.Scale(values[0]),
                    "elastic" => augment.Elastic(values[0], Value(values, 1, 4)),
                    "erase" => augment.Erase(values[0], Value(values, 1, 0.02), Value(values, 2, 0.33), Value(values, 3, 0.3)),
                    _ => augment.Fill((float)values[0]),
                };
            }
            catch (ArgumentOutOfRangeException error)
            {
                // The builder's own sentence: .NET appends " (Parameter 'name')" and, on a new line, the actual value.
                string reason = error.Message.Split(Environment.NewLine)[0];
                string suffix = $" (Parameter '{error.ParamName}')";
                if (reason.EndsWith(suffix, StringComparison.Ordinal)) reason = reason[..^suffix.Length];
                throw new FormatException($"Augmentation recipe '{recipe}': '{part}': {reason}", error);
            }
        }
        return augment;
    }

    private static double[] Numbers(string recipe, string part, string name, string text)
    {
        int most = name switch { "elastic" => 2, "erase" => 4, _ => 1 };
        string[] pieces = text.Split(':');
        if (pieces.Length > most)
        {
            string form = name switch { "elastic" => "elastic=alpha[:sigma]", "erase" => "erase=probability[:minArea[:maxArea[:minAspect]]]", _ => name + "=value" };
            throw new FormatException($"Augmentation recipe '{recipe}': '{part}' has {pieces.Length} values; write {form}.");
        }
        var values = new double[pieces.Length];
        for (int i = 0; i < pieces.Length; i++)
        {
            if (!double.TryParse(pieces[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new FormatException($"Augmentation recipe '{recipe}': '{part}': '{pieces[i]}' is not a number.");
        }
        return values;
    }

    private static double Value(double[] values, int index, double defaultValue) => index < values.Length ? values[index] : defaultValue;

    private static int WholeNumber(string recipe, string part, double value) =>
        value == Math.Floor(value) && value is >= 0 and <= int.MaxValue
            ? (int)value
            : throw new FormatException($"Augmentation recipe '{recipe}': '{part}': the shift is a whole number of pixels, at least 0.");
}
