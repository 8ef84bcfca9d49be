namespace Conveyor.Handlers;

/// <summary>The handlers of one Conveyor setup, by kind. Filled by the builder; read-only once a node starts.</summary>
internal sealed class HandlerRegistry
{
    private readonly Dictionary<string, JobHandlerDescriptor> _byKind = new(StringComparer.Ordinal);
    private readonly List<Type> _middleware = [];

    public void Add(JobHandlerDescriptor descriptor)
    {
        Validation.Names.EnsureKind(descriptor.Kind);
        if (!_byKind.TryAdd(descriptor.Kind, descriptor))
            throw new InvalidOperationException($"a handler for kind '{descriptor.Kind}' is already registered");
    }

    public void AddMiddleware(Type middlewareType) => _middleware.Add(middlewareType);

    public bool TryGet(string kind, out JobHandlerDescriptor descriptor) => _byKind.TryGetValue(kind, out descriptor!);

    /// <summary>The kinds this node serves (and so the only ones it claims), sorted.</summary>
    public IReadOnlyList<string> Kinds => [.. _byKind.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Middleware types, outermost first.</summary>
    public IReadOnlyList<Type> Middleware => _middleware;
}
