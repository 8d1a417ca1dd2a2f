using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Governance.Api.Core.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace Governance.Api.Web;

/// <summary>What an API endpoint answered a page: its status and its JSON (a problem when it refused).</summary>
public sealed record ApiAnswer(int Status, JsonElement Body)
{
    /// <summary>Whether the endpoint did what was asked.</summary>
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>The problem's sentence, for the page to show next to the form.</summary>
    public string? Problem => Succeeded ? null
        : Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
            ? detail.GetString()
            : $"The request was refused ({Status}).";

    /// <summary>Per-field messages of a 400, keyed by the JSON field name.</summary>
    public IReadOnlyDictionary<string, string> FieldErrors
    {
        get
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!Succeeded && Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in errors.EnumerateObject())
                {
                    if (entry.Value.ValueKind == JsonValueKind.Array && entry.Value.GetArrayLength() > 0)
                    {
                        result[entry.Name] = entry.Value[0].GetString() ?? "";
                    }
                }
            }

            return result;
        }
    }
}

/// <summary>
/// Runs the API's own endpoint for a method and route, in process, as the signed-in person: every action on a page goes
/// through the same Wolverine handler (validation, decider, events, problem sentences) as the same request with that
/// person's API key would. The principal comes only from the page request's authenticated session, which the session
/// handler looked up in the database on this very request; nothing a browser sends (form fields, headers) names the actor.
/// </summary>
public sealed class ApiInvoker(
    EndpointDataSource endpoints, IServiceScopeFactory scopes, IAuthorizationPolicyProvider policies, IHttpContextAccessor accessor,
    IEnumerable<IExceptionHandler> exceptionHandlers, IProblemDetailsService problems, IOptions<JsonOptions> json)
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>GET <paramref name="path"/> (with its query) as the page's person.</summary>
    public Task<ApiAnswer> GetAsync(HttpContext page, string path) => SendAsync(page, HttpMethods.Get, path, body: null);

    /// <summary>POST <paramref name="body"/> as JSON to <paramref name="path"/> as the page's person.</summary>
    public Task<ApiAnswer> PostAsync(HttpContext page, string path, object body) => SendAsync(page, HttpMethods.Post, path, body);

    /// <summary>Runs the endpoint that <paramref name="method"/> and <paramref name="path"/> route to.</summary>
    public async Task<ApiAnswer> SendAsync(HttpContext page, string method, string path, object? body)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(path);
        if (page.User.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } })
        {
            return new ApiAnswer(StatusCodes.Status401Unauthorized, Problem("Sign in first."));
        }

        var queryStart = path.IndexOf('?', StringComparison.Ordinal);
        var route = queryStart < 0 ? path : path[..queryStart];
        var (endpoint, values) = Match(method, route);
        if (endpoint is null)
        {
            return new ApiAnswer(StatusCodes.Status404NotFound, Problem($"Nothing at {route}."));
        }

        await using var scope = scopes.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = AsApiCaller(page.User) };
        http.Request.Method = method;
        http.Request.Scheme = page.Request.Scheme;
        http.Request.Host = page.Request.Host;
        http.Request.Path = route;
        http.Request.QueryString = queryStart < 0 ? QueryString.Empty : new QueryString(path[queryStart..]);
        http.Request.Headers.Accept = "application/json";
        http.Request.Headers.UserAgent = page.Request.Headers.UserAgent;
        http.Connection.RemoteIpAddress = page.Connection.RemoteIpAddress;
        http.TraceIdentifier = page.TraceIdentifier;
        http.RequestAborted = page.RequestAborted;
        if (body is not null)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), json.Value.SerializerOptions);
            http.Request.ContentType = "application/json";
            http.Request.ContentLength = bytes.Length;
            http.Request.Body = new MemoryStream(bytes);
        }

        var response = new MemoryStream();
        http.Response.Body = response;
        http.SetEndpoint(endpoint);
        foreach (var (name, value) in values)
        {
            http.Request.RouteValues[name] = value;
        }

        // The event metadata (actor, correlation) is read from the current request: during the call, that is this one.
        var outer = accessor.HttpContext;
        accessor.HttpContext = http;
        try
        {
            if (!await AuthorizedAsync(http, endpoint))
            {
                await AuthProblems.WriteForbiddenAsync(http, problems);
            }
            else
            {
                await RunAsync(http, endpoint);
            }
        }
        finally
        {
            accessor.HttpContext = outer;
        }

        response.Position = 0;
        var answer = response.Length == 0 ? Empty : (await JsonDocument.ParseAsync(response, cancellationToken: page.RequestAborted)).RootElement.Clone();
        return new ApiAnswer(http.Response.StatusCode, answer);
    }

    private async Task RunAsync(HttpContext http, Endpoint endpoint)
    {
        try
        {
            await endpoint.RequestDelegate!(http);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            // The same mapping the API's exception middleware applies, so the page shows the same sentence.
            http.Response.Body.SetLength(0);
            foreach (var handler in exceptionHandlers)
            {
                if (await handler.TryHandleAsync(http, e, http.RequestAborted))
                {
                    return;
                }
            }

            throw;
        }
    }

    // The roles an endpoint requires, judged exactly as the authorization middleware judges them for an API-key request.
    private async Task<bool> AuthorizedAsync(HttpContext http, Endpoint endpoint)
    {
        var policy = await AuthorizationPolicy.CombineAsync(policies, endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(),
            endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
        if (policy is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return true;
        }

        var evaluator = http.RequestServices.GetRequiredService<IPolicyEvaluator>();
        var result = await evaluator.AuthorizeAsync(policy, AuthenticateResult.Success(new AuthenticationTicket(http.User, ApiKeyAuthenticationHandler.SchemeName)), http, endpoint);
        return result.Succeeded;
    }

    // The claims the API-key handler would give the same person (name, key id, expanded roles), under its scheme.
    private static ClaimsPrincipal AsApiCaller(ClaimsPrincipal user) =>
        new(new ClaimsIdentity(user.Claims.Select(c => new Claim(c.Type, c.Value)), ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role));

    // The most specific template wins, as in routing: /alerts/noise before /alerts/{id}.
    private (Endpoint? Endpoint, RouteValueDictionary Values) Match(string method, string path)
    {
        (Endpoint? Endpoint, RouteValueDictionary Values) best = (null, []);
        var fewest = int.MaxValue;
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods
                || !methods.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase)
                || !path.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }

            var values = new RouteValueDictionary();
            if (endpoint.RoutePattern.Parameters.Count < fewest
                && new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(ToTemplate(endpoint.RoutePattern), values).TryMatch(path, values))
            {
                best = (endpoint, values);
                fewest = endpoint.RoutePattern.Parameters.Count;
            }
        }

        return best;
    }

    private static Microsoft.AspNetCore.Routing.Template.RouteTemplate ToTemplate(RoutePattern pattern) => new(pattern);

    private static JsonElement Problem(string detail) =>
        JsonSerializer.SerializeToElement(new { detail });
}
