namespace PaymentFunctions.LoadGenerator;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int BadArguments = 2;
    public const int Unreachable = 3;
}
