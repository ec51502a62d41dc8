using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Exchange.Core.Requests;
using Exchange.WebService;
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
        .. RetentionOptionsValidator.Validate(options.Retention, CronCheck.Problem),
    ];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ExchangeOptions options) => ConfigurationProblem.ToResult(Problems(options));
}

/// <summary>Every rule of the service's own settings (<c>Exchange:Web</c>, <c>Exchange:Operator</c>), given the exchange's security settings.</summary>
internal sealed class ServiceOptionsValidation(ExchangeOptions exchange) : IValidateOptions<ServiceOptions>
{
    /// <summary>Every problem, each naming file, field, value and what is accepted (empty when the settings are usable).</summary>
    public IReadOnlyList<ConfigurationProblem> Problems(ServiceOptions service) => ServiceOptionsValidator.Validate(service, exchange.Security);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ServiceOptions options) => ConfigurationProblem.ToResult(Problems(options));
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
    /// Makes <paramref name="exchange"/> and <paramref name="service"/> the options every consumer gets, validated by
    /// <see cref="ExchangeOptionsValidation"/> and <see cref="ServiceOptionsValidation"/> when the host starts (<c>ValidateOnStart</c>).
    /// </summary>
    public static IServiceCollection AddBoundOptions(this IServiceCollection services, ExchangeOptions exchange, ServiceOptions service, Func<string, string> resolvePath) =>
        services
            .AddBound(exchange, new ExchangeOptionsValidation(resolvePath))
            .AddBound(service, new ServiceOptionsValidation(exchange));

    private static IServiceCollection AddBound<TOptions>(this IServiceCollection services, TOptions bound, IValidateOptions<TOptions> validation)
        where TOptions : class
    {
        services.AddSingleton(validation);
        services.AddSingleton<IOptionsFactory<TOptions>>(sp => new BoundOptionsFactory<TOptions>(
            bound, sp.GetServices<IConfigureOptions<TOptions>>(), sp.GetServices<IPostConfigureOptions<TOptions>>(), sp.GetServices<IValidateOptions<TOptions>>()));
        services.AddOptions<TOptions>().ValidateOnStart();
        return services;
    }
}
