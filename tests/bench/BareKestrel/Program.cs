// Bare Kestrel: reads the request body and answers a constant PollResponse envelope. The upper bound for Poll throughput.

const string Response = "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><PollResponse xmlns=\"urn:exchange:v1\"><HasMore>false</HasMore><NextPollAfterSeconds>0</NextPollAfterSeconds></PollResponse></soap:Body></soap:Envelope>";
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/ExchangeService", async (HttpContext context) =>
{
    using var sink = new MemoryStream();
    await context.Request.Body.CopyToAsync(sink, context.RequestAborted);
    context.Response.ContentType = "text/xml; charset=utf-8";
    await context.Response.WriteAsync(Response, context.RequestAborted);
});
app.Run();
