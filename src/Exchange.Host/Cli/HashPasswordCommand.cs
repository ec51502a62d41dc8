using System.Text;
using Exchange.Core.Security;

namespace Exchange.Host.Cli;

/// <summary><c>exchange hash-password</c>: the password comes from standard input, never from the command line (shell history).</summary>
internal static class HashPasswordCommand
{
    public const int MinimumLength = 12;

    public static int Run(TextReader input, TextWriter output, TextWriter error, bool interactive)
    {
        string? password;
        if (interactive)
        {
            error.Write("Password: ");
            password = ReadHidden();
            error.WriteLine();
        }
        else
        {
            password = input.ReadLine();
        }

        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            error.WriteLine($"The password must have at least {MinimumLength} characters, had {password?.Length ?? 0}. Nothing was printed.");
            return 1;
        }

        output.WriteLine(new Pbkdf2PasswordHasher().Hash(password));
        return 0;
    }

    private static string ReadHidden()
    {
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
