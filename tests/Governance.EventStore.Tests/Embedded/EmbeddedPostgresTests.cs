using System.Diagnostics;
using System.Runtime.Versioning;
using Governance.EventStore.Embedded;
using Npgsql;

namespace Governance.EventStore.Tests.Embedded;

// PostgreSQL binaries, runuser and Unix file modes: these tests run on Linux.
[UnsupportedOSPlatform("windows")]
public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "governance-embedded-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task a_fresh_cluster_accepts_connections()
    {
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder, Ephemeral = true });

        (await SelectOneAsync(postgres.ConnectionString)).ShouldBe(1);
        postgres.DataDirectory.ShouldBe(_folder);
        postgres.ConnectionString.ShouldContain("Host=127.0.0.1");
        postgres.ConnectionString.ShouldContain($"Port={postgres.Port}");
    }

    [Fact]
    public async Task the_connection_file_holds_a_libpq_uri_with_the_port()
    {
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder, Ephemeral = true });

        var connectionFile = Path.Combine(_folder, "connection");
        File.Exists(connectionFile).ShouldBeTrue();
        var uri = (await File.ReadAllTextAsync(connectionFile)).Trim();
        uri.ShouldStartWith("postgresql://postgres:");
        uri.ShouldEndWith($"@127.0.0.1:{postgres.Port}/governance");
        uri.ShouldContain((await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"))).Trim());
        File.GetUnixFileMode(Path.Combine(_folder, "pg.password")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task an_ephemeral_cluster_removes_its_folder_and_stopping_twice_is_fine()
    {
        var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder, Ephemeral = true });

        await postgres.StopAsync();
        await postgres.StopAsync();
        await postgres.DisposeAsync();

        Directory.Exists(_folder).ShouldBeFalse();
    }

    [Fact]
    public async Task a_second_start_on_the_same_folder_reuses_the_cluster_and_its_data()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };
        await using (var first = await EmbeddedPostgres.StartAsync(options))
        {
            await ExecuteAsync(first.ConnectionString, "create table kept (value int); insert into kept values (42)");
            await first.StopAsync();
        }

        Directory.Exists(Path.Combine(_folder, "pg")).ShouldBeTrue();
        var password = await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"));

        await using var second = await EmbeddedPostgres.StartAsync(options);
        (await ScalarAsync(second.ConnectionString, "select value from kept")).ShouldBe(42);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"))).ShouldBe(password);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "connection"))).ShouldContain($":{second.Port}/");
    }

    [Fact]
    public async Task a_server_left_running_by_a_killed_process_is_replaced()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };

        // Never stopped: stands for a server whose owning process was SIGKILLed.
        var abandoned = await EmbeddedPostgres.StartAsync(options);
        await ExecuteAsync(abandoned.ConnectionString, "create table kept (value int); insert into kept values (7)");

        await using var replacement = await EmbeddedPostgres.StartAsync(options);
        (await ScalarAsync(replacement.ConnectionString, "select value from kept")).ShouldBe(7);
        if (replacement.Port != abandoned.Port)
        {
            await Should.ThrowAsync<NpgsqlException>(() => SelectOneAsync(abandoned.ConnectionString));
        }
    }

    [Fact]
    public async Task a_stale_postmaster_pid_does_not_block_the_start()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };
        await using (var first = await EmbeddedPostgres.StartAsync(options))
        {
            await first.StopAsync();
        }

        await File.WriteAllTextAsync(Path.Combine(_folder, "pg", "postmaster.pid"), $"{await DeadPidAsync()}\n{Path.Combine(_folder, "pg")}\n");

        await using var second = await EmbeddedPostgres.StartAsync(options);
        (await SelectOneAsync(second.ConnectionString)).ShouldBe(1);
    }

    [Fact]
    public async Task a_data_folder_behind_a_closed_parent_is_still_reachable_by_the_server()
    {
        // As root the server runs as the postgres OS user, which must be able to enter every parent folder.
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await using var postgres = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = Path.Combine(_folder, "nested", "data"), Ephemeral = true });

        (await SelectOneAsync(postgres.ConnectionString)).ShouldBe(1);
    }

    [Fact]
    public void missing_binaries_give_one_clear_message()
    {
        var error = Should.Throw<EmbeddedPostgresUnavailableException>(
            () => PostgresBinaries.Locate(pathVariable: string.Empty, libRoot: Path.Combine(_folder, "nothing-here")));

        error.Message.ShouldContain("initdb, pg_ctl");
        error.Message.ShouldContain("apt-get install postgresql");
        error.Message.ShouldContain("ConnectionStrings__Governance");
    }

    [Fact]
    public void binaries_are_found_on_path_or_under_usr_lib_postgresql()
    {
        var binaries = PostgresBinaries.Locate();

        Path.GetFileName(binaries.InitDb).ShouldBe("initdb");
        Path.GetFileName(binaries.PgCtl).ShouldBe("pg_ctl");
        File.Exists(binaries.PgCtl).ShouldBeTrue();
    }

    private static async Task<int> SelectOneAsync(string connectionString) => await ScalarAsync(connectionString, "select 1");

    private static async Task<int> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
