using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PaymentFunctions.Testing;

/// <summary>
/// A Pushgateway <c>--web.config.file</c> in a temporary folder: TLS with a self-signed certificate for 127.0.0.1 that
/// the test generates, and basic auth for one user with a bcrypt hash. Deleted on dispose.
/// </summary>
public sealed class SecuredGatewayConfig : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pushgateway-web-").FullName;

    /// <param name="username">The one user allowed in.</param>
    /// <param name="password">Its password; only the bcrypt hash is written.</param>
    public SecuredGatewayConfig(string username, string password)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pushgateway-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Certificate = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));

        var certFile = Path.Combine(_directory, "cert.pem");
        var keyFile = Path.Combine(_directory, "key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());

        // Cost 4 (bcrypt's least) keeps the gateway quick in tests; production hashes use 10 or more.
        var hash = BCrypt.Net.BCrypt.HashPassword(password, workFactor: 4);
        WebConfigFile = Path.Combine(_directory, "web-config.yml");
        File.WriteAllText(WebConfigFile, $"""
            tls_server_config:
              cert_file: {certFile}
              key_file: {keyFile}
            basic_auth_users:
              {username}: {hash}
            """);
    }

    public string WebConfigFile { get; }

    /// <summary>The gateway's certificate (public part): the one trust anchor of the test clients.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>A handler that trusts exactly this certificate (chain and host name still checked).</summary>
    public SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { Certificate },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        },
    };

    public void Dispose()
    {
        Certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
