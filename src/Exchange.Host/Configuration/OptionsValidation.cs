using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Exchange.Host.Configuration;

/// <summary>
/// Every rule of <c>appsettings.json</c>'s <c>Exchange</c> section. <c>check-config</c>, the daemon before it starts and
/// the host's <c>ValidateOnStart</c> ask this one validator, so they refuse the same things with the same messages.
/// </summary>
/// <param name="resolvePath">Resolves a configured file path against the content root.</param>
internal sealed class ExchangeOptionsValidation(Func<string, string> resolvePath) : IValidateOptions<ExchangeOptions>
{
    /// <summary>Every problem, each naming file, field, value and what is accepted (empty when the options are usable).</summary>
    public IReadOnlyList<ConfigurationProblem> Problems(ExchangeOptions options) =>
    [
        .. ExchangeOptionsValidator.Validate(options),
        .. WebSecurityOptionsValidator.Validate(options, resolvePath),
        .. OperatorOptionsValidator.Validate(options, CronCheck.Problem),
    ];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ExchangeOptions options) => ConfigurationProblem.ToResult(Problems(options));
}

/// <summary>
/// Every rule of <c>schedule.json</c> against the sources of <c>appsettings.json</c>: datasets, request types and load
/// probes. The start and every hot reload ask this one validator, so an edit is refused exactly when a start would be.
/// </summary>
internal sealed class ScheduleOptionsValidation(ExchangeOptions exchange) : IValidateOptions<ScheduleOptions>
{
    /// <summary>Every problem, each naming file, field, value and what is accepted (empty when the schedule is usable).</summary>
    public IReadOnlyList<ConfigurationProblem> Problems(ScheduleOptions schedule) =>
    [
        .. ScheduleOptionsValidator.Validate(schedule, exchange.Sources.Keys, CronCheck.Problem),
        .. RequestTypesValidator.Validate(schedule.RequestTypes, exchange.Sources),
        .. LoadOptionsValidator.Validate(schedule, exchange),
    ];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScheduleOptions options) => ConfigurationProblem.ToResult(Problems(options));
}

/// <summary>
/// Hands out options bound once, before the host was composed, instead of binding the section a second time; every
/// registered <see cref="IValidateOptions{TOptions}"/> still runs on them, so <c>ValidateOnStart</c> keeps its meaning.
/// </summary>
internal sealed class BoundOptionsFactory<TOptions>(
    TOptions bound,
    IEnumerable<IConfigureOptions<TOptions>> setups,
    IEnumerable<IPostConfigureOptions<TOptions>> postConfigures,
    IEnumerable<IValidateOptions<TOptions>> validations)
    : OptionsFactory<TOptions>(setups, postConfigures, validations)
    where TOptions : class
{
    /// <inheritdoc />
    protected override TOptions CreateInstance(string name) => bound;
}

/// <summary>Registers options bound once at start.</summary>
internal static class BoundOptionsRegistration
{
    /// <summary>
    /// Makes <paramref name="bound"/> the <see cref="ExchangeOptions"/> every consumer gets, validated by
    /// <see cref="ExchangeOptionsValidation"/> when the host starts (<c>ValidateOnStart</c>).
    /// </summary>
    public static IServiceCollection AddBoundExchangeOptions(this IServiceCollection services, ExchangeOptions bound, Func<string, string> resolvePath)
    {
        services.AddSingleton<IValidateOptions<ExchangeOptions>>(new ExchangeOptionsValidation(resolvePath));
        services.AddSingleton<IOptionsFactory<ExchangeOptions>>(sp => new BoundOptionsFactory<ExchangeOptions>(
            bound, sp.GetServices<IConfigureOptions<ExchangeOptions>>(), sp.GetServices<IPostConfigureOptions<ExchangeOptions>>(), sp.GetServices<IValidateOptions<ExchangeOptions>>()));
        services.AddOptions<ExchangeOptions>().ValidateOnStart();
        return services;
    }
}
