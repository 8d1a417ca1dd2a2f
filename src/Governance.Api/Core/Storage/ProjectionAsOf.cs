using Governance.EventLog;
using Microsoft.OpenApi;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Governance.Api.Core.Storage;

/// <summary>
/// <c>Projection-As-Of</c> on an answer read from async projections (Marten's daemon applies the log after commit): the
/// answer holds every event recorded before that instant. It is the time of the request when the projections have
/// applied everything committed, and otherwise the time of the oldest event they have not applied yet (docs/architecture.md,
/// "Projections").
/// </summary>
public static class ProjectionAsOf
{
    /// <summary>The response header.</summary>
    public const string Header = "Projection-As-Of";

    // Marten's progress row of a projection's single shard is "{name}:All". A projection with no row has applied nothing.
    private const string FirstUnappliedSql =
        "SELECT min((SELECT e.timestamp FROM " + EventLogOptions.Schema + ".mt_events e WHERE e.seq_id > coalesce(p.last_seq_id, 0) ORDER BY e.seq_id LIMIT 1)) " +
        "FROM unnest($1::text[]) AS n(name) LEFT JOIN " + EventLogOptions.Schema + ".mt_event_progression p ON p.name = n.name || ':All'";

    /// <summary>
    /// Sends <c>Projection-As-Of</c> for the named Marten projections. It is read before the handler reads them, so it is
    /// never later than what the body shows.
    /// </summary>
    public static RouteHandlerBuilder WithProjectionAsOf(this RouteHandlerBuilder builder, params string[] projections) =>
        builder.AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                var asOf = await AsOfAsync(http.RequestServices.GetRequiredService<NpgsqlDataSource>(), http.RequestServices.GetRequiredService<IClock>(),
                    projections, http.RequestAborted);
                var result = await next(context);
                if (result is not IStatusCodeHttpResult { StatusCode: >= 400 })
                {
                    http.Response.Headers[Header] = InstantPattern.ExtendedIso.Format(asOf);
                }

                return result;
            })
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
                {
                    response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    response.Headers[Header] = new OpenApiHeader
                    {
                        Description = "The answer holds every event recorded before this instant (ISO-8601): the time of the request when the " +
                                      "background projections it is read from are caught up, otherwise the time of the oldest event they have not applied.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                    };
                }

                return Task.CompletedTask;
            });

    /// <summary>The instant the named projections are complete up to (see <see cref="ProjectionAsOf"/>).</summary>
    public static async Task<Instant> AsOfAsync(NpgsqlDataSource db, IClock clock, IReadOnlyList<string> projections, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetCurrentInstant();
        await using var cmd = db.CreateCommand(FirstUnappliedSql);
        cmd.Parameters.Add(new() { Value = projections.ToArray() });
        Instant? first = await cmd.ExecuteScalarAsync(ct) switch
        {
            Instant at => at,
            DateTime at => Instant.FromDateTimeUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
            _ => null,
        };

        // An event stamped by a clock ahead of this one must not make the answer look newer than the request.
        return first is { } unapplied && unapplied < now ? unapplied : now;
    }
}
