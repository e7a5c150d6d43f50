using System.Reflection;
using System.Text.RegularExpressions;
using FlashSale.IntegrationTests.Faults;
using FlashSale.Service.Claims;
using FlashSale.Service.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>
/// The claim endpoint is short-circuited past every middleware, so it must stay honest as the pipeline grows: each
/// middleware the other endpoints run is one it mirrors or explicitly needs no stand-in for, and the pipeline holds
/// nothing that is not in that list.
/// </summary>
public sealed class ClaimEndpointMirrorsThePipelineTests
{
    [Fact]
    public void Every_middleware_of_the_pipeline_is_mirrored_or_opted_out_by_the_claim_endpoint()
    {
        var unmirrored = RequestPipeline.Middlewares.Select(m => m.Name).Where(name => !ClaimEndpoint.Mirrors.ContainsKey(name)).ToList();

        Assert.True(unmirrored.Count == 0, $"the claim endpoint says nothing of {string.Join(", ", unmirrored)}: mirror it in ClaimEndpoint or opt out there");
        Assert.Empty(ClaimEndpoint.Mirrors.Keys.Except(RequestPipeline.Middlewares.Select(m => m.Name)));
    }

    [Fact]
    public void The_service_pipeline_holds_exactly_the_listed_middlewares()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.AddFlashSale();
        var app = builder.Build();

        app.UseFlashSale();

        // WebApplication's own builder keeps one component per Use call (routing and endpoints come at run time).
        var inner = typeof(WebApplication).GetProperty("ApplicationBuilder", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(app)!;
        var components = (IList<Func<RequestDelegate, RequestDelegate>>)inner.GetType()
            .GetField("_components", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(inner)!;
        Assert.Equal(RequestPipeline.Middlewares.Count, components.Count);
    }

    [Fact]
    public void Program_adds_middleware_only_through_the_pipeline_list()
    {
        var program = File.ReadAllText(Path.Combine(Repo.Root, "src", "FlashSale.Service", "Program.cs"));

        Assert.Empty(Regex.Matches(program, @"\bapp\.Use(?!FlashSale\b)\w*\(").Select(m => m.Value));
    }
}
