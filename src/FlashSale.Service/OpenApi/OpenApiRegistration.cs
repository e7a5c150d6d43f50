using Microsoft.AspNetCore.OpenApi;

namespace FlashSale.Service.OpenApi;

/// <summary>The transformers that turn the framework's document into the one a storefront generates its client from.</summary>
internal static class OpenApiRegistration
{
    public static OpenApiOptions DescribeFlashSale(this OpenApiOptions options)
    {
        // An anonymous type (healthz's answer) is inlined: a generated client would otherwise name it AnonymousTypeOfstring.
        options.CreateSchemaReferenceId = type => type.Type.Name.Contains("AnonymousType", StringComparison.Ordinal)
            ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer(SchemaDescriber.DescribeAsync);
        options.AddOperationTransformer(OperationDescriber.DescribeAsync);
        options.AddOperationTransformer(ContractExamples.AddAsync);
        options.AddDocumentTransformer(DocumentDescriber.DescribeAsync);
        return options;
    }
}
