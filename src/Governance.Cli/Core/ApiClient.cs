using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Governance.Cli.Core;

/// <summary>What the service answered to a successful request.</summary>
public sealed record ApiResponse(int Status, string Body, string? ContentType)
{
    /// <summary>The body as JSON.</summary>
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CliException(ExitCodes.Error, $"The service answered {Status} with a body that is not JSON; is the URL a Governance service?");
        }
    }
}

/// <summary>The HTTP side of <c>gov</c>: JSON in and out, every failure turned into a sentence and an exit code.</summary>
public sealed class ApiClient : IDisposable
{
    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web);
    private static readonly string UserAgent = "gov/" + (typeof(ApiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        .Split('+')[0] ?? "0");

    private readonly HttpClient http;
    private readonly Connection connection;

    public ApiClient(Connection connection, HttpMessageHandler? handler)
    {
        this.connection = connection;
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = connection.ApiRoot;
        http.Timeout = TimeSpan.FromSeconds(100);
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        if (connection.Token is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>GET <paramref name="path"/> (relative to /api/v1/) as JSON.</summary>
    public async Task<ApiResponse> GetAsync(string path, CancellationToken ct, string accept = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        return await SendAsync(request, ct);
    }

    /// <summary>POST a JSON body.</summary>
    public Task<ApiResponse> PostAsync(string path, object body, CancellationToken ct) => SendJsonAsync(HttpMethod.Post, path, body, ct);

    private async Task<ApiResponse> SendJsonAsync(HttpMethod method, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body, BodyJson), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        return await SendAsync(request, ct);
    }

    private async Task<ApiResponse> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Error, $"cannot reach {connection.Display}: is the service running? ({e.Message})") { Transient = true };
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Error, $"{connection.Display} did not answer within {http.Timeout.TotalSeconds:0} s.") { Transient = true };
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new ApiResponse(status, body, response.Content.Headers.ContentType?.MediaType);
            }

            throw new CliException(ExitCodes.ForStatus(status), Problems.Describe(status, response.ReasonPhrase, body, connection))
            {
                Transient = status >= 500 || status is 408 or 429,
            };
        }
    }

    public void Dispose() => http.Dispose();
}
