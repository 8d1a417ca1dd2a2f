using System.Buffers.Text;
using System.Text.Json;
using Governance.Api.Audit;
using Governance.Api.Tests.Harness;
using Governance.EventLog;

namespace Governance.Api.Tests.Audit;

/// <summary>The audit feed both ways: newest first or oldest first, with a cursor that keeps its order and cannot be forged.</summary>
public sealed class AuditFeedOrderTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private const string Filter = "type=principal_created&actor=admin";

    private async Task CreateAsync(string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await app.CreatePrincipalAsync($"{prefix}-{i}", "viewer");
        }
    }

    private async Task<(List<string> Names, string? Next)> PageAsync(string query)
    {
        var page = await app.Scenario(s => s.Get.Url("/api/v1/audit/events?" + query).StatusCodeShouldBe(200));
        var names = page.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("streamId").GetString()!).ToList();
        var next = page.Json.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return (names, next);
    }

    private async Task<List<string>> AllAsync(string first, int limit)
    {
        var all = new List<string>();
        var (names, next) = await PageAsync($"{Filter}&limit={limit}&{first}");
        all.AddRange(names);
        for (var i = 0; i < 100 && names.Count > 0 && next is not null; i++)
        {
            (names, next) = await PageAsync($"{Filter}&limit={limit}&after={Uri.EscapeDataString(next)}");
            all.AddRange(names);
        }

        return all;
    }

    /// <summary>The feed shows an event once no older transaction can still commit before it: wait for that.</summary>
    private async Task SettleAsync(string lastStream)
    {
        for (var i = 0; i < 200; i++)
        {
            var (names, _) = await PageAsync($"{Filter}&order=desc&limit=1");
            if (names.FirstOrDefault() == lastStream)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{lastStream} never showed in the feed.");
    }

    [Fact]
    public async Task newest_first_pages_back_to_the_beginning_and_says_when_it_is_there()
    {
        await CreateAsync("desc", 7);
        await SettleAsync("principal-desc-6");

        var oldestFirst = await AllAsync("order=asc", 1000);
        var newestFirst = await AllAsync("order=desc", 3);

        newestFirst.ShouldBe(Enumerable.Reverse(oldestFirst).ToList());
        newestFirst.Take(3).ShouldBe(["principal-desc-6", "principal-desc-5", "principal-desc-4"]);
        var (_, last) = await PageAsync($"{Filter}&order=desc&limit=1000");
        last.ShouldBeNull("a newest-first page that reaches the beginning has no next page");
    }

    [Fact]
    public async Task the_cursor_keeps_the_order_it_was_made_for()
    {
        await CreateAsync("keep", 4);
        await SettleAsync("principal-keep-3");

        var (first, next) = await PageAsync($"{Filter}&order=desc&limit=2");
        first.ShouldBe(["principal-keep-3", "principal-keep-2"]);
        var (second, _) = await PageAsync($"{Filter}&limit=2&after={Uri.EscapeDataString(next!)}");
        second.ShouldBe(["principal-keep-1", "principal-keep-0"]);
        var (same, _) = await PageAsync($"{Filter}&order=desc&limit=2&after={Uri.EscapeDataString(next!)}");
        same.ShouldBe(second);

        var clash = await app.Scenario(s => s.Get.Url($"/api/v1/audit/events?order=asc&after={Uri.EscapeDataString(next!)}").StatusCodeShouldBe(400).ShouldBeProblem());
        clash.Json.GetProperty("errors").GetProperty("order")[0].GetString()!.ShouldContain("newest first");
    }

    [Fact]
    public async Task oldest_first_always_hands_out_a_cursor_that_later_shows_new_events()
    {
        var (none, next) = await PageAsync("type=principal_created&actor=nobody-yet");
        none.ShouldBeEmpty();
        next.ShouldNotBeNull();

        var first = await PageAsync($"{Filter}&limit=1000");
        await app.CreatePrincipalAsync("later-0", "viewer");
        await SettleAsync("principal-later-0");
        var (fresh, _) = await PageAsync($"{Filter}&limit=1000&after={Uri.EscapeDataString(first.Next!)}");
        fresh.ShouldBe(["principal-later-0"]);
    }

    public static TheoryData<string, string> Forgeries()
    {
        var someKey = new byte[32];
        var position = new LogPosition(1_000, 1);
        var foreign = AuditCursor.Encode(position, AuditOrder.Asc, someKey);
        var unsigned = Base64Url.EncodeToString([1, 0, 0, 0, 0, 0, 0, 0, 3, 232, 0, 0, 0, 0, 0, 0, 0, 1, .. new byte[16]]);
        return new()
        {
            { "garbage", "garbage" },
            { "the old tx.seq form", "1000.1" },
            { "a negative position", "1.-5" },
            { "a cursor signed by another database", foreign },
            { "a well-formed cursor with no valid signature", unsigned },
            { "a cursor cut short", foreign[..20] },
            { "a very long cursor", new string('A', 5000) },
            { "an empty cursor", "" },
        };
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task a_forged_or_malformed_cursor_is_400(string name, string cursor)
    {
        _ = name;
        var result = await app.Scenario(s => s.Get.Url($"/api/v1/audit/events?after={Uri.EscapeDataString(cursor)}").StatusCodeShouldBe(400).ShouldBeProblem());
        result.Json.GetProperty("errors").GetProperty("after")[0].GetString()!.ShouldContain("not a cursor this feed handed out");
    }

    [Fact]
    public async Task a_genuine_cursor_with_one_character_changed_is_400()
    {
        var (_, next) = await PageAsync("limit=1");
        var chars = next!.ToCharArray();
        var i = chars.Length / 2;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        await app.Scenario(s => s.Get.Url($"/api/v1/audit/events?after={new string(chars)}").StatusCodeShouldBe(400).ShouldBeProblem());
    }

    [Fact]
    public void a_cursor_reads_back_as_the_position_and_order_it_was_made_from()
    {
        byte[] key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        var position = new LogPosition(ulong.MaxValue - 3, long.MaxValue);
        var text = AuditCursor.Encode(position, AuditOrder.Desc, key);
        AuditCursor.TryDecode(text, key, out var read, out var order).ShouldBeTrue();
        read.ShouldBe(position);
        order.ShouldBe(AuditOrder.Desc);
        key[0] ^= 1;
        AuditCursor.TryDecode(text, key, out _, out _).ShouldBeFalse();
    }
}
