using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Exchange.Core.Staging;

namespace Exchange.WebService.Tests.Infrastructure;

/// <summary>Builds <c>jsonl+gzip</c> batches the way the extraction job stores them.</summary>
public static class Batches
{
    public static NewBatch Make(string dataset, int rows, string? watermarkFrom, string watermarkTo)
    {
        var lines = new StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            lines.Append("{\"AAC001\":\"").Append(dataset).Append('-').Append(watermarkTo).Append('-').Append(i)
                .Append("\",\"AAC003\":\"张三\",\"AAE036\":\"2026-11-22T08:00:00+08:00\",\"AAE019\":123.45}\n");
        }

        var raw = Encoding.UTF8.GetBytes(lines.ToString());
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(raw));
        return new NewBatch(dataset, rows, "jsonl+gzip", compressed.ToArray(), sha, watermarkFrom, watermarkTo, BatchOrigin.Extracted);
    }

    public static byte[] Gunzip(byte[] payload)
    {
        using var input = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
