package org.icbd.cli;

import java.util.Optional;
import org.icbd.config.ChapConfig;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code USER:SECRET} to CHAP credentials, with the same rules as the config file. Never echoes the secret. */
final class ChapConverter implements ITypeConverter<ChapConfig> {

    @Override
    public ChapConfig convert(String value) {
        int colon = value.indexOf(':');
        if (colon < 0) throw new TypeConversionException("expected USER:SECRET (the secret is 12 to 16 characters)");
        String user = value.substring(0, colon);
        String secret = value.substring(colon + 1);
        Optional<String> problem = ChapConfig.userProblem(user).or(() -> ChapConfig.secretProblem(secret));
        if (problem.isPresent()) throw new TypeConversionException(problem.get());
        return new ChapConfig(user, secret);
    }
}
