using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Myelin.Generator.Diagnostics;
using Myelin.Generator.Model;

namespace Myelin.Generator.Parsing;

/// <summary>
/// Stage 1: reads a <c>[Network]</c> class and its layer attributes into a <see cref="NetworkSpec"/>. This is the only
/// stage that touches Roslyn's symbols and syntax; it checks what only the declaration can tell (partial, generic,
/// nesting, where the attributes are) and leaves every shape and value check to the Planner.
/// </summary>
internal static class NetworkParser
{
    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var classLocation = declaration.Identifier.GetLocation().ToInfo();
        var diagnostics = new List<DiagnosticInfo>();
        string className = symbol.Name;

        CheckDeclaration(symbol, declaration, classLocation, diagnostics);
        var containing = ReadContainingTypes(symbol, classLocation, diagnostics);

        var networkAttribute = context.Attributes[0];
        var loss = (LossKind)ReadNamed(networkAttribute, "Loss", 0);

        EquatableArray<int> inputShape = default;
        LocationInfo? inputLocation = null;
        bool hasInput = false;
        var layers = new List<LayerSpec>();
        SyntaxNode? layerDeclaration = null;

        foreach (var attribute in symbol.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attributeClass = attribute.AttributeClass;
            if (attributeClass is null || attribute.AttributeConstructor is null) continue; // the compiler reports these
            string name = attributeClass.ToDisplayString();
            var location = attribute.ApplicationSyntaxReference.ToInfo();

            if (name == AttributeNames.Input)
            {
                hasInput = true;
                inputLocation = location;
                inputShape = ReadIntArray(attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0] : default);
                continue;
            }

            if (!DerivesFrom(attributeClass, AttributeNames.LayerBase)) continue;

            // Layers must all sit on one declaration: attribute order across partial declarations is not defined.
            var owner = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (layerDeclaration is null) layerDeclaration = owner;
            else if (owner is not null && owner != layerDeclaration)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, location, className));
                continue;
            }

            var layer = ReadLayer(name, attribute, location);
            if (layer is null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, location, attributeClass.Name));
            else
                layers.Add(layer);
        }

        if (!hasInput)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, networkAttribute.ApplicationSyntaxReference.ToInfo() ?? classLocation, className));

        bool fatal = diagnostics.Any(d => d.IsError);
        NetworkSpec? spec = fatal
            ? null
            : new NetworkSpec(
                Namespace: symbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString(NamespaceFormat) : null,
                ClassName: className,
                Keyword: declaration is RecordDeclarationSyntax ? "record" : "class",
                ContainingTypes: containing,
                Loss: loss,
                NetworkLocation: networkAttribute.ApplicationSyntaxReference.ToInfo(),
                ClassLocation: classLocation,
                InputShape: inputShape,
                InputLocation: inputLocation,
                Layers: layers.ToEquatableArray())
            {
                UserMembers = ReadUserMembers(symbol, cancellationToken),
                Int8 = ReadNamed(networkAttribute, "Int8", false),
            };
        return new ParseResult(spec, classLocation, className, diagnostics.ToEquatableArray());
    }

    /// <summary>Namespace names as written in metadata, without '@' escapes: the emitter escapes keywords itself.</summary>
    private static readonly SymbolDisplayFormat NamespaceFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.None);

    private static void CheckDeclaration(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (symbol.IsRecord)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecordNetwork, location, symbol.Name));
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, symbol.Name));
        if (symbol.TypeParameters.Length > 0 || symbol.ContainingType is { IsGenericType: true })
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Generic, location, symbol.Name));
        bool primaryConstructor = symbol.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax() is TypeDeclarationSyntax { ParameterList: not null });
        if (primaryConstructor)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PrimaryConstructor, location, symbol.Name));
        if (symbol.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassKind, location, symbol.Name, "static"));
        else if (symbol.IsAbstract)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassKind, location, symbol.Name, "abstract"));
    }

    private static EquatableArray<ContainingTypeInfo> ReadContainingTypes(INamedTypeSymbol symbol, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var chain = new List<ContainingTypeInfo>();
        for (var type = symbol.ContainingType; type is not null; type = type.ContainingType)
        {
            bool allPartial = type.DeclaringSyntaxReferences.All(r =>
                r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!allPartial)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedInNonPartial, location, symbol.Name, type.Name));
            string keyword = type.IsRecord
                ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record")
                : type.TypeKind switch
                {
                    TypeKind.Struct => "struct",
                    TypeKind.Interface => "interface",
                    _ => "class",
                };
            chain.Insert(0, new ContainingTypeInfo(keyword, type.Name));
        }
        return chain.ToEquatableArray();
    }

    /// <summary>
    /// The members the user wrote in the class, on any of its declarations: names, kinds, parameter types of methods and
    /// constructors, and where they are, so that the Planner can report a clash with a generated member on the user's
    /// member rather than as a compile error inside generated code. Implicit members and explicit interface
    /// implementations (which cannot clash) are left out.
    /// </summary>
    private static EquatableArray<UserMember> ReadUserMembers(INamedTypeSymbol symbol, CancellationToken cancellationToken)
    {
        var members = new List<UserMember>();
        foreach (var member in symbol.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared || member.DeclaringSyntaxReferences.Length == 0) continue;
            if (member is IMethodSymbol { ExplicitInterfaceImplementations.Length: > 0 } or IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 }) continue;
            // Accessors and the backing members of events and properties are named by their owner, which is listed itself.
            if (member is IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.Constructor) }) continue;
            string kind = member switch
            {
                IMethodSymbol { MethodKind: MethodKind.Constructor } => "constructor",
                IMethodSymbol => "method",
                IPropertySymbol => "property",
                IFieldSymbol => "field",
                IEventSymbol => "event",
                INamedTypeSymbol => "nested type",
                _ => "member",
            };
            string? parameters = member is IMethodSymbol method
                ? string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString(ParameterFormat)))
                : null;
            string name = member is IMethodSymbol { MethodKind: MethodKind.Constructor } ? symbol.Name : member.Name;
            var location = member.Locations.FirstOrDefault(l => l.IsInSource).ToInfo();
            members.Add(new UserMember(name, kind, parameters, location));
        }
        return members.ToEquatableArray();
    }

    /// <summary>Parameter types as the Planner compares them: fully qualified, C# keywords for special types, no <c>global::</c>.</summary>
    private static readonly SymbolDisplayFormat ParameterFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.ExpandNullable);

    private static LayerSpec? ReadLayer(string attributeName, AttributeData a, LocationInfo? location) =>
        ReadLayerKind(attributeName, a, location) is { } layer ? layer with { From = ReadNamed<string?>(a, "From", null) } : null;

    private static LayerSpec? ReadLayerKind(string attributeName, AttributeData a, LocationInfo? location)
    {
        string? name = ReadNamed<string?>(a, "Name", null);
        switch (attributeName)
        {
            case AttributeNames.Dense:
                return new DenseSpec(name, location,
                    Units: Ctor(a, 0, 0),
                    Activation: (ActivationKind)Ctor(a, 1, 0),
                    NegativeSlope: ReadNamed(a, "NegativeSlope", AttributeNames.DefaultNegativeSlope),
                    Bias: ReadNamed(a, "Bias", AttributeNames.DefaultBias),
                    WeightInit: (InitKind)ReadNamed(a, "WeightInit", 0),
                    BiasInit: (InitKind)ReadNamed(a, "BiasInit", 0));
            case AttributeNames.Flatten:
                return new FlattenSpec(name, location);
            case AttributeNames.ReLU:
                return new ActivationSpec(name, location, ActivationKind.ReLU, 0f);
            case AttributeNames.LeakyReLU:
                return new ActivationSpec(name, location, ActivationKind.LeakyReLU, Ctor(a, 0, AttributeNames.DefaultNegativeSlope));
            case AttributeNames.Sigmoid:
                return new ActivationSpec(name, location, ActivationKind.Sigmoid, 0f);
            case AttributeNames.Tanh:
                return new ActivationSpec(name, location, ActivationKind.Tanh, 0f);
            case AttributeNames.Softmax:
                return new ActivationSpec(name, location, ActivationKind.Softmax, 0f);
            case AttributeNames.Conv2D:
                return new Conv2DSpec(name, location,
                    Filters: Ctor(a, 0, 0),
                    KernelSize: Ctor(a, 1, 0),
                    Activation: (ActivationKind)Ctor(a, 2, 0),
                    Stride: ReadNamed(a, "Stride", AttributeNames.DefaultStride),
                    Padding: (PaddingKind)ReadNamed(a, "Padding", 0),
                    PaddingSize: ReadNamed(a, "PaddingSize", 0),
                    Bias: ReadNamed(a, "Bias", AttributeNames.DefaultBias),
                    NegativeSlope: ReadNamed(a, "NegativeSlope", AttributeNames.DefaultNegativeSlope),
                    WeightInit: (InitKind)ReadNamed(a, "WeightInit", 0),
                    BiasInit: (InitKind)ReadNamed(a, "BiasInit", 0));
            case AttributeNames.MaxPool2D:
                return new PoolSpec(name, location, PoolKind.Max, Ctor(a, 0, 0), ReadNamed(a, "Stride", 0));
            case AttributeNames.AvgPool2D:
                return new PoolSpec(name, location, PoolKind.Average, Ctor(a, 0, 0), ReadNamed(a, "Stride", 0));
            case AttributeNames.GlobalAvgPool2D:
                return new PoolSpec(name, location, PoolKind.GlobalAverage, 0, 0);
            case AttributeNames.Dropout:
                return new DropoutSpec(name, location, Ctor(a, 0, 0f));
            case AttributeNames.BatchNorm1D:
            case AttributeNames.BatchNorm2D:
                return new BatchNormSpec(name, location, attributeName == AttributeNames.BatchNorm1D ? 1 : 2,
                    Momentum: ReadNamed(a, "Momentum", AttributeNames.DefaultMomentum),
                    Epsilon: ReadNamed(a, "Epsilon", AttributeNames.DefaultEpsilon));
            case AttributeNames.Add:
                return new AddSpec(name, location, ReadStringArray(a),
                    Activation: (ActivationKind)ReadNamed(a, "Activation", 0),
                    NegativeSlope: ReadNamed(a, "NegativeSlope", AttributeNames.DefaultNegativeSlope));
            case AttributeNames.Concat:
                return new ConcatSpec(name, location, ReadStringArray(a));
            case AttributeNames.SimpleRNN:
                return ReadRecurrent(a, name, location, RecurrentKind.SimpleRNN, (ActivationKind)Ctor(a, 1, (int)ActivationKind.Tanh));
            case AttributeNames.LSTM:
                return ReadRecurrent(a, name, location, RecurrentKind.LSTM, ActivationKind.None);
            case AttributeNames.GRU:
                return ReadRecurrent(a, name, location, RecurrentKind.GRU, ActivationKind.None);
            default:
                return null;
        }
    }

    private static RecurrentSpec ReadRecurrent(AttributeData a, string? name, LocationInfo? location, RecurrentKind cell, ActivationKind activation) =>
        new(name, location, cell, Units: Ctor(a, 0, 0), activation,
            ReturnSequences: ReadNamed(a, "ReturnSequences", false),
            Bidirectional: ReadNamed(a, "Bidirectional", false));

    /// <summary>The <c>params string[]</c> of a merge attribute; a null entry becomes "" (the Planner reports it as unknown).</summary>
    private static EquatableArray<string> ReadStringArray(AttributeData a)
    {
        if (a.ConstructorArguments.Length == 0) return EquatableArray<string>.Empty;
        var constant = a.ConstructorArguments[0];
        if (constant.Kind != TypedConstantKind.Array || constant.IsNull) return EquatableArray<string>.Empty;
        return constant.Values.Select(v => v.Value as string ?? "").ToEquatableArray();
    }

    private static bool DerivesFrom(INamedTypeSymbol type, string baseName)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.ToDisplayString() == baseName) return true;
        }
        return false;
    }

    private static T Ctor<T>(AttributeData a, int index, T fallback) =>
        index < a.ConstructorArguments.Length && a.ConstructorArguments[index].Value is T value ? value : fallback;

    private static T ReadNamed<T>(AttributeData a, string name, T fallback)
    {
        foreach (var pair in a.NamedArguments)
        {
            if (pair.Key == name && pair.Value.Value is T value) return value;
        }
        return fallback;
    }

    private static EquatableArray<int> ReadIntArray(TypedConstant constant)
    {
        if (constant.Kind != TypedConstantKind.Array || constant.IsNull) return EquatableArray<int>.Empty;
        return constant.Values.Select(v => v.Value is int i ? i : 0).ToEquatableArray();
    }
}
