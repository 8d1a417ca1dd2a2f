using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using Wolverine.Http;

namespace Governance.Api.Slos;

/// <summary>One bucket of an SLI: good and total events whose predictions fell in [from, to).</summary>
public sealed record MeasurementBucket(Instant? From, Instant? To, long? Good, long? Total);

/// <summary>
/// POST /slos/{id}/measurements: bucketed counts, late and corrected ones welcome. They go to a plain append-only table (the
/// newest row for a bucket wins), not to the event log: they are data, not decisions. Breaches are checked right after.
/// </summary>
public static class IngestMeasurements
{
    /// <summary>The most buckets one request may carry.</summary>
    public const int MaxBuckets = 10_000;

    /// <summary>Shape rules for the array body.</summary>
    public sealed class Validator : AbstractValidator<MeasurementBucket[]>
    {
        public Validator()
        {
            RuleFor(b => b).NotEmpty().WithMessage("Send at least one bucket.").Must(b => b.Length <= MaxBuckets)
                .WithMessage($"At most {MaxBuckets} buckets per request.").OverridePropertyName("body");
            RuleForEach(b => b).ChildRules(bucket =>
            {
                bucket.RuleFor(x => x.From).NotNull();
                bucket.RuleFor(x => x.To).NotNull();
                bucket.RuleFor(x => x.To).GreaterThan(x => x.From).When(x => x.From is not null && x.To is not null).WithMessage("'To' must be after 'From'.");
                bucket.RuleFor(x => x.To).Must((x, to) => to!.Value - x.From!.Value <= Duration.FromDays(1))
                    .When(x => x.From is not null && x.To is not null && x.To > x.From).WithMessage("A bucket spans at most a day.");
                bucket.RuleFor(x => x.Total).NotNull().GreaterThanOrEqualTo(0);
                bucket.RuleFor(x => x.Good).NotNull().GreaterThanOrEqualTo(0).LessThanOrEqualTo(x => x.Total ?? long.MaxValue)
                    .WithMessage("'Good' is between 0 and 'Total'.");
            }).OverridePropertyName("buckets");
        }
    }

    /// <summary>The response.</summary>
    public sealed record Accepted(string Id, int Buckets, bool Breaching);
}

/// <summary>POST /api/v1/slos/{id}/measurements.</summary>
public static class IngestMeasurementsEndpoint
{
    /// <summary>Stores the buckets and checks the SLO for a breach right away.</summary>
    [WolverinePost("/api/v1/slos/{id}/measurements")]
    public static async Task<IResult> Post(string id, [FromBody] MeasurementBucket[] buckets, NpgsqlDataSource db, SloBreachDetector detector, IClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(clock);
        await using (var exists = db.CreateCommand("SELECT 1 FROM governance.slos WHERE id = $1"))
        {
            exists.Parameters.Add(new() { Value = id });
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                return DomainError.NotFound($"No SLO '{id}'.").ToResult();
            }
        }

        await using (var insert = db.CreateCommand(
            "WITH received AS (" +
            "INSERT INTO governance.slo_measurements (slo_id, bucket_from, bucket_to, good, total, received_at) " +
            "SELECT $1, f, t, g, n, $6 FROM unnest($2::timestamptz[], $3::timestamptz[], $4::bigint[], $5::bigint[]) AS u(f, t, g, n) " +
            "RETURNING slo_id, bucket_from, bucket_to, good, total, seq), " +
            // Measurements are not events: the model's stored document would keep showing the old attainment and budget.
            "stale_doc AS (UPDATE governance.model_docs SET stale = true WHERE key = (SELECT model FROM governance.slos WHERE id = $1)) " +
            // The newest row of each bucket wins, also against a correction sent in the same request.
            "INSERT INTO governance.slo_buckets (slo_id, bucket_from, bucket_to, good, total, seq) " +
            "SELECT DISTINCT ON (slo_id, bucket_from, bucket_to) slo_id, bucket_from, bucket_to, good, total, seq FROM received " +
            "ORDER BY slo_id, bucket_from, bucket_to, seq DESC " +
            "ON CONFLICT (slo_id, bucket_from, bucket_to) DO UPDATE SET good = excluded.good, total = excluded.total, seq = excluded.seq " +
            "WHERE governance.slo_buckets.seq < excluded.seq"))
        {
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = buckets.Select(b => b.From!.Value.ToDateTimeUtc()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new() { Value = buckets.Select(b => b.To!.Value.ToDateTimeUtc()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new() { Value = buckets.Select(b => b.Good!.Value).ToArray() });
            insert.Parameters.Add(new() { Value = buckets.Select(b => b.Total!.Value).ToArray() });
            insert.Parameters.Add(new() { Value = clock.GetCurrentInstant().ToDateTimeUtc() });
            await insert.ExecuteNonQueryAsync(ct);
        }

        var breaching = await detector.EvaluateAsync([id], ct);
        return Results.Accepted($"/api/v1/slos/{id}", new IngestMeasurements.Accepted(id, buckets.Length, breaching.Contains(id)));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("SLOs").WithName(nameof(IngestMeasurements))
            .WithSummary("Ingest bucketed good/total counts; late and corrected buckets are accepted.")
            .Produces<IngestMeasurements.Accepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
